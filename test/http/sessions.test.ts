import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { activity } from '../../src/db/schema.js';
import type { DomainEvent } from '../../src/events/types.js';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type FeatureStatus, type TodoStatus, createElement, createFeatureWithStatus, createProject, createTodoWithStatus } from '../helpers/content.js';
import { type TestServer, startServer } from '../helpers/server.js';

// Todos, features and elements are made through their REST routes, as a client would:
// todos are walked through new → in_progress → done, features follow their todos and
// are then marked tested or merged.
describe('work sessions', () => {
  let server: TestServer;
  let admin: Session;
  let member: Session;
  let otherMember: Session;
  let outsider: Session;
  let team: { id: string };
  let projectId: string;
  let otherProjectId: string;
  const events: DomainEvent[] = [];

  const db = () => server.app.fastify.services.database.db;

  async function element(project: string): Promise<string> {
    return (await createElement(server, member, project)).id;
  }

  async function todo(project: string, status: TodoStatus): Promise<string> {
    return (await createTodoWithStatus(server, member, status, { project_id: project })).id;
  }

  async function feature(project: string, status: FeatureStatus): Promise<string> {
    return (await createFeatureWithStatus(server, member, project, status)).id;
  }

  async function start(token: string, body: Record<string, unknown> = {}) {
    const response = await server.request('POST', '/sessions', { token, body: { project_id: projectId, ...body } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body;
  }

  beforeAll(async () => {
    server = await startServer();
    server.app.fastify.services.events.subscribe((event) => {
      events.push(event);
    });
    admin = await loginAdmin(server);
    team = await createTeam(server, admin);
    member = await registerTeamMember(server, admin, team.id);
    otherMember = await registerTeamMember(server, admin, team.id);
    const otherTeam = await createTeam(server, admin);
    outsider = await registerTeamMember(server, admin, otherTeam.id);
    projectId = await createProject(server, member, team.id);
    otherProjectId = await createProject(server, member, team.id);
  });
  afterAll(() => server.close());

  describe('starting', () => {
    it('starts a session as the caller, with empty lists, and announces it', async () => {
      const featureId = await feature(projectId, 'in_progress');
      const session = await start(member.token, { title: 'Morning', goal: 'Fix login', feature_ids: [featureId] });
      expect(session).toMatchObject({
        project_id: projectId,
        user_id: member.id,
        title: 'Morning',
        goal: 'Fix login',
        feature_ids: [featureId],
        todos_completed: [],
        features_completed: [],
        elements_updated: [],
        ended_at: null,
        summary: null,
        created_by: member.id,
      });
      expect(session.started_at).toMatch(/Z$/);
      expect(events).toContainEqual(
        expect.objectContaining({ name: 'sessionStarted', projectId, actorId: member.id, payload: expect.objectContaining({ projectId, userId: member.id }) }),
      );
    });

    it('refuses features of another project, naming them', async () => {
      const foreign = await feature(otherProjectId, 'new');
      const response = await server.request('POST', '/sessions', { token: member.token, body: { project_id: projectId, feature_ids: [foreign] } });
      expect(response.status).toBe(400);
      expect(response.body.detail).toContain(foreign);
    });

    it('answers 404 for a project of another team, and 401 without a token', async () => {
      const response = await server.request('POST', '/sessions', { token: outsider.token, body: { project_id: projectId } });
      expect(response.status).toBe(404);
      expect(response.body.detail).toBe('Project not found');
      expect((await server.request('POST', '/sessions', { body: { project_id: projectId } })).status).toBe(401);
    });

    it('validates the body (422)', async () => {
      const response = await server.request('POST', '/sessions', { token: member.token, body: { project_id: 'nope' } });
      expect(response.status).toBe(422);
      expect(response.body.detail[0].loc).toEqual(['body', 'project_id']);
    });
  });

  describe('reading', () => {
    it('gets a session, and hides it from another team behind 404', async () => {
      const session = await start(member.token);
      const got = await server.request('GET', `/sessions/${session.id}`, { token: otherMember.token });
      expect(got.status).toBe(200);
      expect(got.body.id).toBe(session.id);
      const hidden = await server.request('GET', `/sessions/${session.id}`, { token: outsider.token });
      expect(hidden.status).toBe(404);
      expect(hidden.body.detail).toBe('Session not found');
    });

    it('lists a project’s sessions newest first, filtered by user, in both pagination dialects', async () => {
      const project = await createProject(server, member, team.id);
      const made: string[] = [];
      for (const token of [member.token, otherMember.token, member.token]) {
        const response = await server.request('POST', '/sessions', { token, body: { project_id: project } });
        made.push(response.body.id);
      }
      const all = await server.request('GET', `/sessions/project/${project}`, { token: member.token });
      expect(all.status).toBe(200);
      expect(all.body).toMatchObject({ total: 3, page: 1, page_size: 20 });
      expect(all.body.sessions.map((s: { id: string }) => s.id)).toEqual([...made].reverse());

      const mine = await server.request('GET', `/sessions/project/${project}?user_id=${member.id}`, { token: member.token });
      expect(mine.body.total).toBe(2);
      expect(mine.body.sessions.every((s: { user_id: string }) => s.user_id === member.id)).toBe(true);

      const second = await server.request('GET', `/sessions/project/${project}?page=2&page_size=2`, { token: member.token });
      expect(second.body).toMatchObject({ total: 3, page: 2, page_size: 2 });
      expect(second.body.sessions.map((s: { id: string }) => s.id)).toEqual([made[0]]);
      const skipped = await server.request('GET', `/sessions/project/${project}?skip=1&limit=1`, { token: member.token });
      expect(skipped.body).toMatchObject({ total: 3, page: 2, page_size: 1 });
      expect(skipped.body.sessions.map((s: { id: string }) => s.id)).toEqual([made[1]]);

      expect((await server.request('GET', `/sessions/project/${project}`, { token: outsider.token })).status).toBe(404);
      expect((await server.request('GET', `/sessions/project/${project}?page_size=101`, { token: member.token })).status).toBe(422);
    });

    it('answers 422 for an id that is not a UUID', async () => {
      const response = await server.request('GET', '/sessions/not-a-uuid', { token: member.token });
      expect(response.status).toBe(422);
      expect(response.body.detail[0].loc).toEqual(['path', 'id']);
    });
  });

  describe('updating', () => {
    it('replaces the lists and keeps what is left out', async () => {
      const session = await start(member.token, { goal: 'G' });
      const [todo1, todo2] = [await todo(projectId, 'done'), await todo(projectId, 'done')];
      const merged = await feature(projectId, 'merged');
      const el = await element(projectId);
      const first = await server.request('PUT', `/sessions/${session.id}`, {
        token: otherMember.token,
        body: { notes: 'n', todos_completed: [todo1, todo2], features_completed: [merged], elements_updated: [el] },
      });
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      expect(first.body).toMatchObject({ goal: 'G', notes: 'n', todos_completed: [todo1, todo2], features_completed: [merged], elements_updated: [el], updated_by: otherMember.id });
      const second = await server.request('PUT', `/sessions/${session.id}`, { token: member.token, body: { todos_completed: [todo2] } });
      expect(second.body).toMatchObject({ notes: 'n', todos_completed: [todo2], features_completed: [merged], elements_updated: [el] });
    });

    it('refuses todos that are not done and features not done/tested/merged, naming them', async () => {
      const session = await start(member.token);
      const open = await todo(projectId, 'in_progress');
      const unfinished = await feature(projectId, 'in_progress');
      const tested = await feature(projectId, 'tested');
      const todos400 = await server.request('PUT', `/sessions/${session.id}`, { token: member.token, body: { todos_completed: [open] } });
      expect(todos400.status).toBe(400);
      expect(todos400.body.detail).toBe(`todos_completed: not done: ${open} (in_progress)`);
      const features400 = await server.request('PUT', `/sessions/${session.id}`, { token: member.token, body: { features_completed: [tested, unfinished] } });
      expect(features400.status).toBe(400);
      expect(features400.body.detail).toContain(`${unfinished} (in_progress)`);
      expect(features400.body.detail).not.toContain(tested);
    });

    it('refuses ids of another project', async () => {
      const session = await start(member.token);
      const foreignTodo = await todo(otherProjectId, 'done');
      const foreignElement = await element(otherProjectId);
      const response = await server.request('PUT', `/sessions/${session.id}`, {
        token: member.token,
        body: { todos_completed: [foreignTodo], elements_updated: [foreignElement] },
      });
      expect(response.status).toBe(400);
      expect(response.body.detail).toContain(`todos_completed: not in this project: ${foreignTodo}`);
      expect(response.body.detail).toContain(`elements_updated: not in this project: ${foreignElement}`);
    });

    it('hides the session from another team (404)', async () => {
      const session = await start(member.token);
      const response = await server.request('PUT', `/sessions/${session.id}`, { token: outsider.token, body: { notes: 'x' } });
      expect(response.status).toBe(404);
      expect(response.body.detail).toBe('Session not found');
    });
  });

  describe('ending', () => {
    it('ends once, with a generated summary, and sets the project’s last_session_at', async () => {
      const session = await start(member.token, { goal: 'Ship it' });
      const done = await todo(projectId, 'done');
      const finished = await feature(projectId, 'done');
      const el = await element(projectId);
      const ended = await server.request('POST', `/sessions/${session.id}/end`, {
        token: member.token,
        body: { todos_completed: [done], features_completed: [finished], elements_updated: [el] },
      });
      expect(ended.status, JSON.stringify(ended.body)).toBe(200);
      expect(ended.body.ended_at).toMatch(/Z$/);
      expect(ended.body.summary).toMatch(/^Goal: Ship it \| Completed 1 todo\(s\) \| Completed 1 feature\(s\) \| Updated 1 element\(s\)\n\nWORKFLOW REMINDER:/);
      expect(ended.body.summary).toContain('Todos: new → in_progress → done');
      expect(ended.body.summary).toContain('Features: new → in_progress → done → tested → merged');
      expect(ended.body.todos_completed).toEqual([done]);

      const project = await server.request('GET', `/projects/${projectId}`, { token: member.token });
      expect(project.body.last_session_at).toBe(ended.body.ended_at);
      expect(events).toContainEqual(expect.objectContaining({ name: 'sessionEnded', projectId, payload: expect.objectContaining({ userId: member.id }) }));

      const again = await server.request('POST', `/sessions/${session.id}/end`, { token: member.token });
      expect(again.status).toBe(400);
      expect(again.body.detail).toBe('Session is already ended');
    });

    it('keeps a given summary and says when nothing was recorded', async () => {
      const given = await start(member.token);
      const withSummary = await server.request('POST', `/sessions/${given.id}/end`, { token: member.token, body: { summary: 'All good', notes: 'bye' } });
      expect(withSummary.body).toMatchObject({ summary: 'All good', notes: 'bye' });
      const empty = await start(member.token);
      const generated = await server.request('POST', `/sessions/${empty.id}/end`, { token: member.token });
      expect(generated.status).toBe(200);
      expect(generated.body.summary).toMatch(/^Session completed with no changes recorded\.\n\nWORKFLOW REMINDER:/);
    });

    it('checks the lists given at the end like an update', async () => {
      const session = await start(member.token);
      const open = await todo(projectId, 'new');
      const response = await server.request('POST', `/sessions/${session.id}/end`, { token: member.token, body: { todos_completed: [open] } });
      expect(response.status).toBe(400);
      expect(response.body.detail).toContain(open);
      expect((await server.request('GET', `/sessions/${session.id}`, { token: member.token })).body.ended_at).toBeNull();
    });

    it('lets exactly one of two racing ends win', async () => {
      const session = await start(member.token);
      const results = await Promise.all([0, 1].map(() => server.request('POST', `/sessions/${session.id}/end`, { token: member.token })));
      expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    });

    it('hides the session from another team (404)', async () => {
      const session = await start(member.token);
      expect((await server.request('POST', `/sessions/${session.id}/end`, { token: outsider.token })).status).toBe(404);
    });
  });

  describe('on an archived project', () => {
    it('refuses new sessions and changes (409) but still lets open ones end', async () => {
      const project = await createProject(server, member, team.id);
      const open = (await server.request('POST', '/sessions', { token: member.token, body: { project_id: project } })).body;
      expect((await server.request('PUT', `/projects/${project}`, { token: admin.token, body: { status: 'archived' } })).status).toBe(200);
      const refused = await server.request('POST', '/sessions', { token: member.token, body: { project_id: project } });
      expect(refused.status).toBe(409);
      expect(refused.body.detail).toMatch(/archived/);
      expect((await server.request('PUT', `/sessions/${open.id}`, { token: member.token, body: { notes: 'x' } })).status).toBe(409);
      expect((await server.request('POST', `/sessions/${open.id}/end`, { token: member.token })).status).toBe(200);
    });
  });

  describe('active users', () => {
    it('lists each user with an open session once, until they end it', async () => {
      const project = await createProject(server, member, team.id);
      const url = `/projects/${project}/active-users`;
      expect((await server.request('GET', url, { token: member.token })).body).toEqual({ active_users: [], count: 0 });

      const open = async (token: string) => (await server.request('POST', '/sessions', { token, body: { project_id: project } })).body.id as string;
      const a1 = await open(member.token);
      const a2 = await open(member.token);
      const b = await open(otherMember.token);
      const active = await server.request('GET', url, { token: otherMember.token });
      expect(active.status).toBe(200);
      expect(active.body.count).toBe(2);
      expect(active.body.active_users.map((u: { id: string }) => u.id).sort()).toEqual([member.id, otherMember.id].sort());
      expect(active.body.active_users.find((u: { id: string }) => u.id === member.id)).toEqual({ id: member.id, name: 'Test User', email: member.email, avatar_url: null });

      await server.request('POST', `/sessions/${a1}/end`, { token: member.token });
      expect((await server.request('GET', url, { token: member.token })).body.count).toBe(2);
      await server.request('POST', `/sessions/${a2}/end`, { token: member.token });
      await server.request('POST', `/sessions/${b}/end`, { token: otherMember.token });
      expect((await server.request('GET', url, { token: member.token })).body).toEqual({ active_users: [], count: 0 });
    });

    it('answers 404 to another team and 422 to a bad id', async () => {
      expect((await server.request('GET', `/projects/${projectId}/active-users`, { token: outsider.token })).status).toBe(404);
      expect((await server.request('GET', '/projects/123/active-users', { token: member.token })).status).toBe(422);
    });
  });

  describe('under /v1', () => {
    it('serves the same routes', async () => {
      const created = await server.request('POST', '/v1/sessions', { token: member.token, body: { project_id: projectId } });
      expect(created.status).toBe(201);
      expect((await server.request('GET', `/v1/sessions/${created.body.id}`, { token: member.token })).status).toBe(200);
      expect((await server.request('GET', `/v1/sessions/project/${projectId}`, { token: member.token })).status).toBe(200);
      expect((await server.request('PUT', `/v1/sessions/${created.body.id}`, { token: member.token, body: { notes: 'v1' } })).body.notes).toBe('v1');
      expect((await server.request('POST', `/v1/sessions/${created.body.id}/end`, { token: member.token })).status).toBe(200);
      expect((await server.request('GET', `/v1/projects/${projectId}/active-users`, { token: member.token })).status).toBe(200);
    });
  });

  it('writes an activity row for each change', async () => {
    const session = await start(member.token);
    await server.request('PUT', `/sessions/${session.id}`, { token: member.token, body: { notes: 'a' } });
    await server.request('POST', `/sessions/${session.id}/end`, { token: member.token });
    const rows = await db().select().from(activity).where(eq(activity.entityId, session.id));
    expect(rows.map((row) => row.action).sort()).toEqual(['session.ended', 'session.started', 'session.updated']);
    expect(rows.every((row) => row.actorId === member.id && row.projectId === projectId)).toBe(true);
  });
});
