import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('audit', () => {
  let server: TestServer;
  let admin: Session;
  let team: { id: string };
  let leader: Session;
  let member: Session;
  let outsider: Session;
  let project: { id: string; name: string };

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    team = await createTeam(server, admin);
    leader = await registerTeamMember(server, admin, team.id, 'team_leader');
    member = await registerTeamMember(server, admin, team.id);
    outsider = await registerTeamMember(server, admin, (await createTeam(server, admin)).id);
    const created = await server.request('POST', '/projects', { token: member.token, body: { team_id: team.id, name: unique('audited-') } });
    project = created.body;
    const renamed = await server.request('PUT', `/projects/${project.id}`, { token: leader.token, body: { name: unique('renamed-') } });
    expect(renamed.status).toBe(200);
    project = renamed.body;
  });
  afterAll(() => server.close());

  describe('an entity', () => {
    it("names the creator, the last editor and the history of a project's changes", async () => {
      const response = await server.request('GET', `/audit/entity/project/${project.id}`, { token: member.token });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body).toMatchObject({
        entity_type: 'project',
        entity_id: project.id,
        created_by: { id: member.id, email: member.email, name: 'Test User', full_name: 'Test User' },
        updated_by: { id: leader.id, email: leader.email },
        created_at: expect.stringMatching(/Z$/),
        updated_at: expect.stringMatching(/Z$/),
      });
      const history = response.body.history;
      expect(history.map((entry: { action: string }) => entry.action)).toEqual(['project.created', 'project.updated']);
      expect(history[0].actor.id).toBe(member.id);
      expect(history[1]).toMatchObject({ actor: { id: leader.id }, after: { name: project.name } });
      expect(history[1].before.name).toMatch(/^audited-/);
    });

    it('gives the before/after of a change in snake_case, like the rest of the API', async () => {
      const first = await server.request('POST', '/todos', { token: member.token, body: { project_id: project.id, title: unique('blocker-') } });
      const second = await server.request('POST', '/todos', { token: member.token, body: { project_id: project.id, title: unique('blocked-') } });
      const linked = await server.request('PUT', `/todos/${second.body.id}`, {
        token: member.token,
        body: { blocked_by: [first.body.id], expected_version: second.body.version },
      });
      expect(linked.status, JSON.stringify(linked.body)).toBe(200);
      const response = await server.request('GET', `/audit/entity/todo/${second.body.id}`, { token: member.token });
      expect(response.status).toBe(200);
      const camel = /"[a-z]+[A-Z][A-Za-z]*":/;
      for (const entry of response.body.history) {
        expect(JSON.stringify(entry.before ?? null)).not.toMatch(camel);
        expect(JSON.stringify(entry.after ?? null)).not.toMatch(camel);
      }
      const created = response.body.history[0].after;
      expect(created).toMatchObject({ project_id: project.id, title: second.body.title });
      const update = response.body.history.at(-1);
      expect(update.before.blocked_by ?? []).toEqual([]);
      expect(JSON.stringify(update.after)).toContain('blocked_by');
    });

    it('keeps the history of a deleted entity, for those who could read it', async () => {
      const doomed = await server.request('POST', '/projects', { token: leader.token, body: { team_id: team.id, name: unique('doomed-') } });
      expect((await server.request('DELETE', `/projects/${doomed.body.id}`, { token: leader.token })).status).toBe(204);
      const response = await server.request('GET', `/audit/entity/project/${doomed.body.id}`, { token: member.token });
      expect(response.status).toBe(200);
      expect(response.body.history.map((entry: { action: string }) => entry.action)).toEqual(['project.created', 'project.deleted']);
      expect(response.body.created_by.id).toBe(leader.id);
      expect((await server.request('GET', `/audit/entity/project/${doomed.body.id}`, { token: outsider.token })).status).toBe(404);
    });

    it('records todos too, scoped by their project', async () => {
      const todo = await server.request('POST', '/todos', { token: member.token, body: { project_id: project.id, title: unique('todo-') } });
      expect(todo.status, JSON.stringify(todo.body)).toBe(201);
      const response = await server.request('GET', `/audit/entity/todo/${todo.body.id}`, { token: leader.token });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ entity_type: 'todo', created_by: { id: member.id } });
      expect(response.body.history[0].action).toBe('todo.created');
      expect((await server.request('GET', `/audit/entity/todo/${todo.body.id}`, { token: outsider.token })).status).toBe(404);
    });

    it('hides another team\'s entity behind 404, like an unknown one', async () => {
      const hidden = await server.request('GET', `/audit/entity/project/${project.id}`, { token: outsider.token });
      expect(hidden.status).toBe(404);
      expect(hidden.body.detail).toBe('Project not found');
      expect((await server.request('GET', `/audit/entity/feature/${UNKNOWN_ID}`, { token: member.token })).body.detail).toBe('Feature not found');
      expect((await server.request('GET', `/audit/entity/project/${project.id}`, { token: admin.token })).status).toBe(200);
    });

    it('rejects an unknown entity type with 400 and a bad id with 422', async () => {
      const badType = await server.request('GET', `/audit/entity/widget/${project.id}`, { token: member.token });
      expect(badType.status).toBe(400);
      expect(badType.body.detail).toContain('project, feature, todo, element, document, session, idea');
      expect((await server.request('GET', '/audit/entity/project/nope', { token: member.token })).status).toBe(422);
    });
  });

  describe("a user's entities", () => {
    it('lists what a user created, newest first, with names', async () => {
      const response = await server.request('GET', `/audit/user/${member.id}/created?entity_type=project`, { token: member.token });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ user_id: member.id, user_email: member.email, user_full_name: 'Test User' });
      expect(response.body.entities).toContainEqual({ entity_type: 'project', entity_id: project.id, created_at: expect.stringMatching(/Z$/), name: project.name });
      expect(response.body.total).toBe(response.body.entities.length);
    });

    it('lists what a user last updated, and honours limit', async () => {
      const response = await server.request('GET', `/audit/user/${leader.id}/updated?limit=1`, { token: member.token });
      expect(response.status).toBe(200);
      expect(response.body.entities).toHaveLength(1);
      expect(response.body.entities[0]).toHaveProperty('updated_at');
      expect(response.body.total).toBeGreaterThanOrEqual(1);
    });

    it('shows only what is in shared teams, and hides users without one', async () => {
      const elsewhere = await createTeam(server, admin);
      await server.request('POST', `/teams/${elsewhere.id}/members?user_id=${member.id}`, { token: admin.token });
      const hidden = await server.request('POST', '/projects', { token: member.token, body: { team_id: elsewhere.id, name: unique('elsewhere-') } });
      expect(hidden.status).toBe(201);

      const byLeader = await server.request('GET', `/audit/user/${member.id}/created?entity_type=project&limit=100`, { token: leader.token });
      const ids = byLeader.body.entities.map((entity: { entity_id: string }) => entity.entity_id);
      expect(ids).toContain(project.id);
      expect(ids).not.toContain(hidden.body.id);
      const own = await server.request('GET', `/audit/user/${member.id}/created?entity_type=project&limit=100`, { token: member.token });
      expect(own.body.entities.map((entity: { entity_id: string }) => entity.entity_id)).toContain(hidden.body.id);
      const byAdmin = await server.request('GET', `/audit/user/${member.id}/created?entity_type=project&limit=100`, { token: admin.token });
      expect(byAdmin.body.entities.map((entity: { entity_id: string }) => entity.entity_id)).toContain(hidden.body.id);

      const stranger = await server.request('GET', `/audit/user/${member.id}/created`, { token: outsider.token });
      expect(stranger.status).toBe(404);
      expect(stranger.body.detail).toBe('User not found');
    });

    it('no longer shows a former member, even their own, what is in a team they left', async () => {
      const left = await createTeam(server, admin);
      expect((await server.request('POST', `/teams/${left.id}/members?user_id=${member.id}`, { token: admin.token })).status).toBe(201);
      const created = await server.request('POST', '/projects', { token: member.token, body: { team_id: left.id, name: unique('left-behind-') } });
      expect(created.status).toBe(201);
      const edited = await server.request('PUT', `/projects/${created.body.id}`, { token: admin.token, body: { description: 'still mine?' } });
      expect(edited.status).toBe(200);
      const renamed = await server.request('POST', '/projects', { token: member.token, body: { team_id: left.id, name: unique('updated-') } });
      const ids = async (kind: 'created' | 'updated') =>
        (await server.request('GET', `/audit/user/${member.id}/${kind}?entity_type=project&limit=100`, { token: member.token })).body.entities.map(
          (entity: { entity_id: string }) => entity.entity_id,
        );
      expect(await ids('created')).toContain(created.body.id);
      expect(await ids('updated')).toContain(renamed.body.id);

      expect((await server.request('DELETE', `/teams/${left.id}/members/${member.id}`, { token: admin.token })).status).toBe(204);
      const afterCreated = await ids('created');
      expect(afterCreated).not.toContain(created.body.id);
      expect(afterCreated).toContain(project.id);
      expect(await ids('updated')).not.toContain(renamed.body.id);
      const names = JSON.stringify((await server.request('GET', `/audit/user/${member.id}/created?limit=100`, { token: member.token })).body);
      expect(names).not.toContain(created.body.name);
      const byAdmin = await server.request('GET', `/audit/user/${member.id}/created?entity_type=project&limit=100`, { token: admin.token });
      expect(byAdmin.body.entities.map((entity: { entity_id: string }) => entity.entity_id)).toContain(created.body.id);
    });

    it('validates entity_type and limit', async () => {
      expect((await server.request('GET', `/audit/user/${member.id}/created?entity_type=widget`, { token: member.token })).status).toBe(400);
      expect((await server.request('GET', `/audit/user/${member.id}/created?limit=0`, { token: member.token })).status).toBe(422);
      expect((await server.request('GET', `/audit/user/${member.id}/created?limit=101`, { token: member.token })).status).toBe(422);
      expect((await server.request('GET', `/v1/audit/user/${UNKNOWN_ID}/created`, { token: member.token })).status).toBe(404);
    });
  });
});
