import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { advanceTodo, createElement, createProject, createTodo } from '../helpers/content.js';
import { type TestServer, startServer } from '../helpers/server.js';

/**
 * The access facts a request needs (who the caller is, their team roles, a project's
 * team) are held in memory per process; these specify that every change to them
 * holds from the very next request, with the same token.
 */
describe('access decisions held in memory', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
  });
  afterAll(() => server.close());

  it('stops treating a demoted admin as an admin on their next request', async () => {
    const teamId = (await createTeam(server, admin)).id;
    const other = await registerTeamMember(server, admin, teamId);
    expect((await server.request('PUT', `/admin/users/${other.id}/role`, { token: admin.token, body: { role: 'admin' } })).status).toBe(200);
    // Their token is the same; the role comes from the server's view of them now.
    expect((await server.request('GET', '/admin/users', { token: other.token })).status).toBe(200);
    expect((await server.request('PUT', `/admin/users/${other.id}/role`, { token: admin.token, body: { role: 'member' } })).status).toBe(200);
    expect((await server.request('GET', '/admin/users', { token: other.token })).status).toBe(403);
  });

  it('refuses a deactivated user and takes back a deleted one at once', async () => {
    const teamId = (await createTeam(server, admin)).id;
    const member = await registerTeamMember(server, admin, teamId);
    const gone = await registerTeamMember(server, admin, teamId);
    expect((await server.request('GET', '/auth/me', { token: member.token })).status).toBe(200);
    expect((await server.request('GET', '/auth/me', { token: gone.token })).status).toBe(200);
    expect((await server.request('PUT', `/admin/users/${member.id}`, { token: admin.token, body: { is_active: false } })).status).toBe(200);
    expect((await server.request('DELETE', `/admin/users/${gone.id}`, { token: admin.token })).status).toBe(200);
    expect((await server.request('GET', '/auth/me', { token: member.token })).status).toBe(401);
    expect((await server.request('GET', '/auth/me', { token: gone.token })).status).toBe(401);
  });

  it("hides a team's projects from a member the moment they are removed, and shows them once added back", async () => {
    const homeTeam = (await createTeam(server, admin)).id;
    const member = await registerTeamMember(server, admin, homeTeam);
    // A second team, so that leaving it is not leaving the last one (which the rules refuse).
    const teamId = (await createTeam(server, admin)).id;
    const joined = await server.request('POST', `/teams/${teamId}/members`, { token: admin.token, body: { user_id: member.id, role: 'member' } });
    expect(joined.status, JSON.stringify(joined.body)).toBe(201);
    const projectId = await createProject(server, admin, teamId);
    expect((await server.request('GET', `/projects/${projectId}`, { token: member.token })).status).toBe(200);
    const removed = await server.request('DELETE', `/teams/${teamId}/members/${member.id}`, { token: admin.token });
    expect(removed.status, JSON.stringify(removed.body)).toBe(204);
    expect((await server.request('GET', `/projects/${projectId}`, { token: member.token })).status).toBe(404);
    const added = await server.request('POST', `/teams/${teamId}/members`, { token: admin.token, body: { user_id: member.id, role: 'member' } });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect((await server.request('GET', `/projects/${projectId}`, { token: member.token })).status).toBe(200);
  });

  it('lets a member edit a project the moment they are made team leader', async () => {
    const teamId = (await createTeam(server, admin)).id;
    const member = await registerTeamMember(server, admin, teamId);
    const projectId = await createProject(server, admin, teamId);
    const edit = () => server.request('PUT', `/projects/${projectId}`, { token: member.token, body: { description: 'mine now' } });
    expect((await edit()).status).toBe(403);
    expect((await server.request('PUT', `/teams/${teamId}/members/${member.id}/role`, { token: admin.token, body: { role: 'team_leader' } })).status).toBe(200);
    expect((await edit()).status).toBe(200);
  });
});

describe('project read models tagged by the project event number', () => {
  let server: TestServer;
  let admin: Session;
  let projectId: string;

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    projectId = await createProject(server, admin, (await createTeam(server, admin)).id);
  });
  afterAll(() => server.close());

  it('answers the element tree with 304 until anything in the project changes, then with the change', async () => {
    const element = await createElement(server, admin, projectId);
    const todo = await createTodo(server, admin, { element_id: element.id });
    const first = await server.request('GET', `/elements/project/${projectId}/tree`, { token: admin.token });
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"tree-\d+-\w+"$/);
    const again = await server.request('GET', `/elements/project/${projectId}/tree`, { token: admin.token, headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');

    await advanceTodo(server, admin, todo, 'done');
    const changed = await server.request('GET', `/elements/project/${projectId}/tree`, { token: admin.token, headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    const node = (changed.body.elements as { id: string; todos_done_count: number; status: string }[]).find((candidate) => candidate.id === element.id)!;
    expect(node.todos_done_count).toBe(1);
    expect(node.status).toBe('done');
  });

  it('serves every page of the feature list under its own tag', async () => {
    for (const name of ['alpha', 'beta', 'gamma']) {
      expect((await server.request('POST', '/features', { token: admin.token, body: { project_id: projectId, name } })).status).toBe(201);
    }
    const first = await server.request('GET', `/features/project/${projectId}?page=1&page_size=2&sort=name_asc`, { token: admin.token });
    const second = await server.request('GET', `/features/project/${projectId}?page=2&page_size=2&sort=name_asc`, { token: admin.token });
    expect(first.body.features.map((feature: { name: string }) => feature.name)).toEqual(['alpha', 'beta']);
    expect(second.body.features.map((feature: { name: string }) => feature.name)).toEqual(['gamma']);
    // Same project state, other page: the body kept for page 1 must never answer page 2.
    const secondAgain = await server.request('GET', `/features/project/${projectId}?page=2&page_size=2&sort=name_asc`, { token: admin.token });
    expect(secondAgain.body).toEqual(second.body);
  });

  it('keeps another team out of a kept read model', async () => {
    const outsiderTeam = (await createTeam(server, admin)).id;
    const outsider = await registerTeamMember(server, admin, outsiderTeam);
    expect((await server.request('GET', `/elements/project/${projectId}/tree`, { token: admin.token })).status).toBe(200);
    expect((await server.request('GET', `/elements/project/${projectId}/tree`, { token: outsider.token })).status).toBe(404);
    expect((await server.request('GET', `/projects/${projectId}`, { token: outsider.token })).status).toBe(404);
  });
});

/** Two instances on one PostgreSQL and one Redis: only where CI provides both. */
const sharedStack = Boolean(inject('redisUrl') && inject('databaseUrl'));

describe.skipIf(!sharedStack)('access decisions across instances', () => {
  let a: TestServer;
  let b: TestServer;
  let adminOnA: Session;

  beforeAll(async () => {
    a = await startServer();
    b = await startServer();
    adminOnA = await loginAdmin(a);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  /** Pub/sub delivery takes a moment: ask again until it holds or the deadline passes. */
  async function eventually(check: () => Promise<boolean>): Promise<boolean> {
    for (const deadline = Date.now() + 5_000; Date.now() < deadline; ) {
      if (await check()) return true;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return check();
  }

  it('refuses on instance B a user deactivated through instance A', async () => {
    const teamId = (await createTeam(a, adminOnA)).id;
    const member = await registerTeamMember(a, adminOnA, teamId);
    expect((await b.request('GET', '/auth/me', { token: member.token })).status).toBe(200);
    expect((await a.request('PUT', `/admin/users/${member.id}`, { token: adminOnA.token, body: { is_active: false } })).status).toBe(200);
    expect(await eventually(async () => (await b.request('GET', '/auth/me', { token: member.token })).status === 401)).toBe(true);
  });

  it('hides a project on instance B from a member removed through instance A', async () => {
    const member = await registerTeamMember(a, adminOnA, (await createTeam(a, adminOnA)).id);
    const teamId = (await createTeam(a, adminOnA)).id;
    expect((await a.request('POST', `/teams/${teamId}/members`, { token: adminOnA.token, body: { user_id: member.id, role: 'member' } })).status).toBe(201);
    const projectId = await createProject(a, adminOnA, teamId);
    expect((await b.request('GET', `/projects/${projectId}`, { token: member.token })).status).toBe(200);
    expect((await a.request('DELETE', `/teams/${teamId}/members/${member.id}`, { token: adminOnA.token })).status).toBe(204);
    expect(await eventually(async () => (await b.request('GET', `/projects/${projectId}`, { token: member.token })).status === 404)).toBe(true);
  });
});
