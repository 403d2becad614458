import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { advanceTodo, createFeature, createTodo } from '../helpers/content.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

describe('projects', () => {
  let server: TestServer;
  let admin: Session;
  let team: { id: string };
  let member: Session;
  let outsider: Session;

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    team = await createTeam(server, admin);
    member = await registerTeamMember(server, admin, team.id);
    outsider = await registerTeamMember(server, admin, (await createTeam(server, admin)).id);
  });
  afterAll(() => server.close());

  it('lets a member create a project in their team, with its Default element', async () => {
    const response = await server.request('POST', '/projects', { token: member.token, body: { team_id: team.id, name: unique('p-') } });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ team_id: team.id, status: 'active', tags: [], created_by: member.id });
    expect(response.body.created_at).toMatch(/Z$/);
  });

  it('hides a project from another team behind 404', async () => {
    const project = await server.request('POST', '/projects', { token: member.token, body: { team_id: team.id, name: unique('p-') } });
    const response = await server.request('GET', `/projects/${project.body.id}`, { token: outsider.token });
    expect(response.status).toBe(404);
    expect(response.body.detail).toBe('Project not found');
    const list = await server.request('GET', '/projects', { token: outsider.token });
    expect(list.body.projects.map((p: { id: string }) => p.id)).not.toContain(project.body.id);
  });

  it('lets only team leaders edit, and merges resume_context one level deep', async () => {
    const project = await server.request('POST', '/projects', {
      token: member.token,
      body: { team_id: team.id, name: unique('p-'), resume_context: { last: { a: 1, b: 2 }, keep: true } },
    });
    expect((await server.request('PUT', `/projects/${project.body.id}`, { token: member.token, body: { name: 'x' } })).status).toBe(403);
    const updated = await server.request('PUT', `/projects/${project.body.id}`, {
      token: admin.token,
      body: { resume_context: { last: { b: 3 }, now: ['x'] } },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.resume_context).toEqual({ last: { a: 1, b: 3 }, keep: true, now: ['x'] });
  });

  describe('archiving', () => {
    it('is refused while a feature is in flight, and then makes the content read-only', async () => {
      const project = await server.request('POST', '/projects', { token: member.token, body: { team_id: team.id, name: unique('p-') } });
      const feature = await createFeature(server, member, project.body.id);
      const todo = await createTodo(server, member, { project_id: project.body.id, feature_id: feature.id });
      await advanceTodo(server, member, todo, 'in_progress');

      const refused = await server.request('PUT', `/projects/${project.body.id}`, { token: admin.token, body: { status: 'archived' } });
      expect(refused.status).toBe(400);
      expect(refused.body.detail).toMatch(/Cannot archive project: 1 active feature/);

      // Back to not started: the todo first (the feature does not demote itself), then the feature.
      const started = (await server.request('GET', `/todos/${todo.id}`, { token: member.token })).body;
      const reset = await server.request('PUT', `/todos/${todo.id}`, { token: member.token, body: { status: 'new', expected_version: started.version } });
      expect(reset.status).toBe(200);
      expect((await server.request('PUT', `/features/${feature.id}`, { token: member.token, body: { status: 'new' } })).status).toBe(200);
      const archived = await server.request('PUT', `/projects/${project.body.id}`, { token: admin.token, body: { status: 'archived' } });
      expect(archived.status, JSON.stringify(archived.body)).toBe(200);

      const write = await server.request('POST', '/todos', { token: member.token, body: { project_id: project.body.id, title: 'late' } });
      expect(write.status).toBe(409);
      expect(write.body.detail).toMatch(/archived/);
      expect((await server.request('GET', `/todos/${todo.id}`, { token: member.token })).status).toBe(200);
    });
  });
});
