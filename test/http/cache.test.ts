import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

interface ProjectItem {
  id: string;
  name: string;
}

/** Reads a counter's value from the Prometheus text of GET /metrics. */
async function counter(server: TestServer, name: string): Promise<number> {
  const response = await server.request('GET', '/metrics');
  const line = response.text.split('\n').find((entry) => entry.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? 0);
}

describe('project list cache', () => {
  let server: TestServer;
  let admin: Session;
  let team: { id: string };
  let leader: Session;
  let member: Session;

  async function listNames(session: Session, query = ''): Promise<string[]> {
    const response = await server.request('GET', `/projects?page_size=100${query}`, { token: session.token });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body.projects.map((project: ProjectItem) => project.name);
  }

  async function createProject(session: Session, teamId: string, name = unique('p-')): Promise<ProjectItem> {
    const response = await server.request('POST', '/projects', { token: session.token, body: { team_id: teamId, name } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body;
  }

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    team = await createTeam(server, admin);
    leader = await registerTeamMember(server, admin, team.id, 'team_leader');
    member = await registerTeamMember(server, admin, team.id);
  });
  afterAll(() => server.close());

  it('answers a repeated list from the cache', async () => {
    await createProject(leader, team.id);
    await listNames(member);
    const hits = await counter(server, 'cache_hits_total');
    await listNames(member);
    expect(await counter(server, 'cache_hits_total')).toBe(hits + 1);
  });

  it('shows an update in every cached list at once', async () => {
    const project = await createProject(leader, team.id);
    const renamed = unique('renamed-');
    // Warm every kind of list: the member's, the team-filtered one and the admin's.
    await listNames(member);
    await listNames(member, `&team_id=${team.id}`);
    await listNames(admin);
    const updated = await server.request('PUT', `/projects/${project.id}`, { token: leader.token, body: { name: renamed } });
    expect(updated.status).toBe(200);
    expect(await listNames(member)).toContain(renamed);
    expect(await listNames(member, `&team_id=${team.id}`)).toContain(renamed);
    expect(await listNames(admin)).toContain(renamed);
    expect(await listNames(member)).not.toContain(project.name);
  });

  it('shows a new project and forgets a deleted one at once', async () => {
    await listNames(member);
    const project = await createProject(member, team.id);
    expect(await listNames(member)).toContain(project.name);
    expect((await server.request('DELETE', `/projects/${project.id}`, { token: leader.token })).status).toBe(204);
    expect(await listNames(member)).not.toContain(project.name);
  });

  it('follows a status filter change at once', async () => {
    const project = await createProject(leader, team.id);
    expect(await listNames(member, '&status=paused')).not.toContain(project.name);
    await server.request('PUT', `/projects/${project.id}`, { token: leader.token, body: { status: 'paused' } });
    expect(await listNames(member, '&status=paused')).toContain(project.name);
    expect(await listNames(member, '&status=active')).not.toContain(project.name);
  });

  it('follows team membership: joining shows the team, leaving hides it, at once', async () => {
    const otherTeam = await createTeam(server, admin);
    const project = await createProject(admin, otherTeam.id);
    expect(await listNames(member)).not.toContain(project.name);
    const added = await server.request('POST', `/teams/${otherTeam.id}/members?user_id=${member.id}`, { token: admin.token });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(await listNames(member)).toContain(project.name);
    expect((await server.request('DELETE', `/teams/${otherTeam.id}/members/${member.id}`, { token: admin.token })).status).toBe(204);
    expect(await listNames(member)).not.toContain(project.name);
  });

  it('moves a project between teams in both teams\' lists at once', async () => {
    const otherTeam = await createTeam(server, admin);
    const outsider = await registerTeamMember(server, admin, otherTeam.id);
    const project = await createProject(leader, team.id);
    await listNames(outsider);
    await listNames(member);
    const moved = await server.request('PUT', `/projects/${project.id}`, { token: admin.token, body: { team_id: otherTeam.id } });
    expect(moved.status).toBe(200);
    expect(await listNames(outsider)).toContain(project.name);
    expect(await listNames(member)).not.toContain(project.name);
  });
});
