import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

describe('todos', () => {
  let server: TestServer;
  let admin: Session;
  let member: Session;
  let teammate: Session;
  let outsider: Session;
  let teamId: string;
  let projectId: string;

  const api = (method: string, path: string, body?: unknown, token = member.token) => server.request(method, path, { token, body });
  const newTodo = async (fields: Record<string, unknown> = {}) => {
    const response = await api('POST', '/todos', { project_id: projectId, title: unique('todo-'), ...fields });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body;
  };

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    teamId = (await createTeam(server, admin)).id;
    member = await registerTeamMember(server, admin, teamId);
    teammate = await registerTeamMember(server, admin, teamId);
    outsider = await registerTeamMember(server, admin, (await createTeam(server, admin)).id);
    const project = await api('POST', '/projects', { team_id: teamId, name: unique('p-') });
    projectId = project.body.id;
  });
  afterAll(() => server.close());

  describe('create', () => {
    it('puts a todo without element into the project default element, version 1, priority medium', async () => {
      const todo = await newTodo();
      expect(todo).toMatchObject({ project_id: projectId, status: 'new', version: 1, priority: 'medium', feature_id: null, blocked_by: [], completed_at: null });
      const other = await newTodo();
      expect(other.element_id).toBe(todo.element_id);
      expect(todo.created_at).toMatch(/Z$/);
    });

    it('derives the project from feature_id', async () => {
      const feature = await api('POST', '/features', { project_id: projectId, name: unique('f-') });
      const response = await api('POST', '/todos', { feature_id: feature.body.id, title: 'from feature' });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ project_id: projectId, feature_id: feature.body.id });
    });

    it('needs an element, project or feature (400)', async () => {
      const response = await api('POST', '/todos', { title: 'nowhere' });
      expect(response.status).toBe(400);
      expect(response.body.detail).toMatch(/element_id, a project_id or a feature_id/);
    });

    it('refuses a feature of another project of the team (400)', async () => {
      const otherProject = await api('POST', '/projects', { team_id: teamId, name: unique('p-') });
      const feature = await api('POST', '/features', { project_id: otherProject.body.id, name: unique('f-') });
      const response = await api('POST', '/todos', { project_id: projectId, feature_id: feature.body.id, title: 'x' });
      expect(response.status).toBe(400);
      expect(response.body.detail).toMatch(/another project/);
    });

    it('stamps completed_at on a todo created done', async () => {
      const todo = await newTodo({ status: 'done' });
      expect(todo.completed_at).toMatch(/Z$/);
    });

    it('accepts a team member as assignee and refuses anyone else', async () => {
      expect((await newTodo({ assigned_to: teammate.id })).assigned_to).toBe(teammate.id);
      const stranger = await api('POST', '/todos', { project_id: projectId, title: 'x', assigned_to: outsider.id });
      expect(stranger.status).toBe(404);
      const byAdmin = await api('POST', '/todos', { project_id: projectId, title: 'x', assigned_to: outsider.id }, admin.token);
      expect(byAdmin.status).toBe(400);
      expect(byAdmin.body.detail).toMatch(/not a member/);
    });

    it('answers 400 naming the statuses for an unknown status in the body, and 422 for a bad UUID', async () => {
      const tested = await api('POST', '/todos', { project_id: projectId, title: 'x', status: 'tested' });
      expect(tested.status).toBe(400);
      expect(tested.body).toEqual({ detail: 'status must be one of: new, in_progress, done (got "tested")' });
      expect((await api('POST', '/todos', { project_id: 'not-a-uuid', title: 'x' })).status).toBe(422);
      expect((await api('GET', '/todos/not-a-uuid')).status).toBe(422);
    });
  });

  describe('workflow over PUT /todos/{id}/status', () => {
    const move = (id: string, status: string) => api('PUT', `/todos/${id}/status?status=${status}`);

    it('moves new → in_progress → done, stamping completed_at, and back, clearing it', async () => {
      const todo = await newTodo();
      const started = await move(todo.id, 'in_progress');
      expect(started.status).toBe(200);
      expect(started.body).toMatchObject({ status: 'in_progress', version: 2, completed_at: null });
      const done = await move(todo.id, 'done');
      expect(done.body).toMatchObject({ status: 'done', version: 3 });
      expect(done.body.completed_at).toMatch(/Z$/);
      const reopened = await move(todo.id, 'in_progress');
      expect(reopened.body).toMatchObject({ status: 'in_progress', completed_at: null });
      const back = await move(todo.id, 'new');
      expect(back.status).toBe(200);
      const doneAgain = await move((await move(todo.id, 'in_progress')).body.id, 'done');
      expect((await move(doneAgain.body.id, 'new')).body.status).toBe('new');
    });

    it('rejects new → done with the allowed moves in the message', async () => {
      const todo = await newTodo();
      const response = await move(todo.id, 'done');
      expect(response.status).toBe(400);
      expect(response.body.detail).toBe('Cannot move a todo from new to done: from new it can move to in_progress');
      expect((await api('GET', `/todos/${todo.id}`)).body).toMatchObject({ status: 'new', version: 1 });
    });

    it('rejects tested with the allowed statuses', async () => {
      const todo = await newTodo();
      const response = await move(todo.id, 'tested');
      expect(response.status).toBe(400);
      expect(response.body.detail).toMatch(/allowed statuses are new, in_progress, done/);
    });

    it('takes the status from a JSON body too, and needs one (422)', async () => {
      const todo = await newTodo();
      const response = await api('PUT', `/todos/${todo.id}/status`, { status: 'in_progress' });
      expect(response.body.status).toBe('in_progress');
      expect((await api('PUT', `/todos/${todo.id}/status`)).status).toBe(422);
    });

    it('applies the same rule to PUT /todos/{id}', async () => {
      const todo = await newTodo();
      expect((await api('PUT', `/todos/${todo.id}`, { status: 'done' })).status).toBe(400);
      expect((await api('PUT', `/todos/${todo.id}`, { status: 'in_progress' })).status).toBe(200);
      const tested = await api('PUT', `/todos/${todo.id}`, { status: 'tested' });
      expect(tested.status).toBe(400);
      expect(tested.body).toEqual({ detail: 'status must be one of: new, in_progress, done (got "tested")' });
    });
  });

  describe('optimistic locking', () => {
    it('checks expected_version from the body, answering 409 with current_version', async () => {
      const todo = await newTodo();
      const first = await api('PUT', `/todos/${todo.id}`, { title: 'one', expected_version: 1 });
      expect(first.status).toBe(200);
      expect(first.body.version).toBe(2);
      const stale = await api('PUT', `/todos/${todo.id}`, { title: 'two', expected_version: 1 });
      expect(stale.status).toBe(409);
      expect(stale.body).toMatchObject({ current_version: 2, updated_at: first.body.updated_at });
      expect(stale.body.detail).toBe(`Todo is at version 2, not 1: last changed by you at ${first.body.updated_at}. Refresh and try again.`);
    });

    it('checks expected_version from the query as well', async () => {
      const todo = await newTodo();
      await api('PUT', `/todos/${todo.id}`, { title: 'one' });
      const stale = await api('PUT', `/todos/${todo.id}?expected_version=1`, { title: 'two' });
      expect(stale.status).toBe(409);
      expect(stale.body.current_version).toBe(2);
      const fresh = await api('PUT', `/todos/${todo.id}?expected_version=2`, { title: 'two' });
      expect(fresh.body).toMatchObject({ title: 'two', version: 3 });
      const status = await api('PUT', `/todos/${todo.id}/status?status=in_progress&expected_version=1`);
      expect(status.status).toBe(409);
    });

    it('lets exactly one of ten concurrent updates with the same expected_version win', async () => {
      const todo = await newTodo();
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, index) => api('PUT', `/todos/${todo.id}`, { title: `racer ${index}`, expected_version: 1 })),
      );
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      expect(statuses.filter((status) => status === 409)).toHaveLength(9);
      for (const response of responses.filter((r) => r.status === 409)) expect(response.body.current_version).toBe(2);
      const final = await api('GET', `/todos/${todo.id}`);
      expect(final.body.version).toBe(2);
      expect(final.body.title).toBe(responses.find((r) => r.status === 200)!.body.title);
    });

    it('bumps the version on every change without a check when none is sent', async () => {
      const todo = await newTodo();
      await api('PUT', `/todos/${todo.id}`, { position: 3 });
      await api('POST', `/todos/${todo.id}/assign?user_id=${teammate.id}`);
      expect((await api('GET', `/todos/${todo.id}`)).body.version).toBe(3);
    });
  });

  describe('clearing fields', () => {
    it('unlinks the feature with feature_id: null and keeps it when left out', async () => {
      const feature = await api('POST', '/features', { project_id: projectId, name: unique('f-') });
      const todo = await newTodo({ feature_id: feature.body.id });
      const untouched = await api('PUT', `/todos/${todo.id}`, { title: 'renamed' });
      expect(untouched.body.feature_id).toBe(feature.body.id);
      const unlinked = await api('PUT', `/todos/${todo.id}`, { feature_id: null });
      expect(unlinked.status).toBe(200);
      expect(unlinked.body.feature_id).toBeNull();
      expect((await api('GET', `/features/${feature.body.id}`)).body.total_todos).toBe(0);
    });

    it('unassigns with assigned_to: null, and through /assign without a user', async () => {
      const todo = await newTodo({ assigned_to: member.id });
      expect((await api('PUT', `/todos/${todo.id}`, { assigned_to: null })).body.assigned_to).toBeNull();
      const assigned = await api('POST', `/todos/${todo.id}/assign`, { user_id: teammate.id });
      expect(assigned.body.assigned_to).toBe(teammate.id);
      expect(assigned.body.updated_by).toBe(member.id);
      expect((await api('POST', `/todos/${todo.id}/assign`)).body.assigned_to).toBeNull();
      expect((await api('POST', `/todos/${todo.id}/assign?user_id=${outsider.id}`)).status).toBe(404);
    });
  });

  describe('blocked_by', () => {
    it('accepts todos of the same project and refuses unknown, foreign and self ids', async () => {
      const a = await newTodo();
      const b = await newTodo({ blocked_by: [a.id] });
      expect(b.blocked_by).toEqual([a.id]);
      const unknown = await api('POST', '/todos', { project_id: projectId, title: 'x', blocked_by: ['00000000-0000-4000-8000-000000000000'] });
      expect(unknown.status).toBe(404);
      const otherProject = await api('POST', '/projects', { team_id: teamId, name: unique('p-') });
      const foreign = await api('POST', '/todos', { project_id: otherProject.body.id, title: 'x' });
      const cross = await api('POST', '/todos', { project_id: projectId, title: 'x', blocked_by: [foreign.body.id] });
      expect(cross.status).toBe(400);
      const self = await api('PUT', `/todos/${a.id}`, { blocked_by: [a.id] });
      expect(self.status).toBe(400);
    });

    it('rejects a dependency cycle, however long', async () => {
      const a = await newTodo();
      const b = await newTodo({ blocked_by: [a.id] });
      const c = await newTodo({ blocked_by: [b.id] });
      const direct = await api('PUT', `/todos/${a.id}`, { blocked_by: [b.id] });
      expect(direct.status).toBe(400);
      expect(direct.body.detail).toMatch(/cycle/);
      const transitive = await api('PUT', `/todos/${a.id}`, { blocked_by: [c.id] });
      expect(transitive.status).toBe(400);
      expect((await api('GET', `/todos/${a.id}`)).body.blocked_by).toEqual([]);
    });

    it('frees the todos waiting for a deleted todo', async () => {
      const a = await newTodo();
      const b = await newTodo({ blocked_by: [a.id] });
      expect((await api('DELETE', `/todos/${a.id}`)).status).toBe(204);
      const after = await api('GET', `/todos/${b.id}`);
      expect(after.body).toMatchObject({ blocked_by: [], version: 2 });
      expect((await api('GET', `/todos/${a.id}`)).status).toBe(404);
    });
  });

  describe('listing', () => {
    let listProject: string;
    let ids: string[];

    beforeAll(async () => {
      listProject = (await api('POST', '/projects', { team_id: teamId, name: unique('p-') })).body.id;
      const create = (title: string, extra: Record<string, unknown> = {}) =>
        api('POST', '/todos', { project_id: listProject, title, ...extra }).then((r) => r.body);
      const first = await create('done one', { status: 'done' });
      const second = await create('new unpositioned');
      const third = await create('new at 2', { position: 2 });
      const fourth = await create('started', { status: 'in_progress', assigned_to: teammate.id });
      const fifth = await create('new at 1', { position: 1 });
      ids = [fifth.id, third.id, second.id, fourth.id, first.id];
    });

    it('orders new → in_progress → done, then position (nulls last), then age', async () => {
      const response = await api('GET', `/todos?project_id=${listProject}`);
      expect(response.status).toBe(200);
      expect(response.body.total).toBe(5);
      expect(response.body.todos.map((todo: { id: string }) => todo.id)).toEqual(ids);
      expect(response.body.todos[0].version).toBe(1);
    });

    it('pages with page/page_size and with skip/limit', async () => {
      const page2 = await api('GET', `/todos?project_id=${listProject}&page=2&page_size=2`);
      expect(page2.body).toMatchObject({ total: 5, page: 2, page_size: 2 });
      expect(page2.body.todos.map((todo: { id: string }) => todo.id)).toEqual(ids.slice(2, 4));
      const skipped = await api('GET', `/todos?project_id=${listProject}&skip=4&limit=2`);
      expect(skipped.body).toMatchObject({ total: 5, page: 3, page_size: 2 });
      expect(skipped.body.todos.map((todo: { id: string }) => todo.id)).toEqual(ids.slice(4));
      expect((await api('GET', `/todos?project_id=${listProject}&page_size=101`)).status).toBe(422);
    });

    it('combines filters and counts what matches', async () => {
      const started = await api('GET', `/todos?project_id=${listProject}&status=in_progress`);
      expect(started.body.total).toBe(1);
      const mine = await api('GET', `/todos?project_id=${listProject}&assigned_to=${teammate.id}`);
      expect(mine.body.todos.map((todo: { id: string }) => todo.id)).toEqual([ids[3]]);
      const element = (await api('GET', `/todos/${ids[0]}`)).body.element_id;
      expect((await api('GET', `/todos?element_id=${element}&status=new`)).body.total).toBe(3);
    });

    it('lists your own assigned todos when no container is given', async () => {
      const response = await api('GET', '/todos', undefined, teammate.token);
      expect(response.body.todos.every((todo: { assigned_to: string }) => todo.assigned_to === teammate.id)).toBe(true);
      expect(response.body.todos.map((todo: { id: string }) => todo.id)).toContain(ids[3]);
    });

    it('answers the same under /v1', async () => {
      const response = await api('GET', `/v1/todos?project_id=${listProject}`);
      expect(response.status).toBe(200);
      expect(response.body.total).toBe(5);
      const created = await api('POST', '/v1/todos', { project_id: listProject, title: 'v1' });
      expect(created.status).toBe(201);
      expect((await api('DELETE', `/v1/todos/${created.body.id}`)).status).toBe(204);
    });
  });

  describe('elements', () => {
    it('refuses moving a todo to an element of another project (400)', async () => {
      const todo = await newTodo();
      const otherProject = await api('POST', '/projects', { team_id: teamId, name: unique('p-') });
      const foreign = await api('POST', '/todos', { project_id: otherProject.body.id, title: 'x' });
      const moved = await api('PUT', `/todos/${todo.id}`, { element_id: foreign.body.element_id });
      expect(moved.status).toBe(400);
      expect(moved.body.detail).toMatch(/another project/);
      const mixed = await api('POST', '/todos', { project_id: projectId, element_id: foreign.body.element_id, title: 'x' });
      expect(mixed.status).toBe(400);
    });
  });

  describe('OpenAPI', () => {
    it('describes every todo and feature route with tags, summary, security and responses', async () => {
      const document = (await server.request('GET', '/openapi.json')).body;
      const operations = Object.entries(document.paths as Record<string, Record<string, Record<string, unknown>>>)
        .filter(([path]) => /^\/(v1\/)?(todos|features)/.test(path))
        .flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));
      expect(operations.length).toBeGreaterThanOrEqual(17);
      for (const { path, method, operation } of operations) {
        const name = `${method} ${path}`;
        expect(operation.tags, name).toBeDefined();
        expect(operation.summary, name).toBeTruthy();
        expect(operation.security, name).toEqual([{ bearerAuth: [] }]);
        expect(Object.keys(operation.responses as object), name).toEqual(expect.arrayContaining(['401', '404']));
      }
    });
  });

  describe('events and audit', () => {
    it('publishes todoUpdated after commit with the actor, the changes and the version', async () => {
      const seen: { name: string; payload: Record<string, unknown>; version?: number; seq?: number }[] = [];
      const stop = server.app.fastify.services.events.subscribe((event) => {
        if (event.projectId === projectId) seen.push(event);
      });
      try {
        const todo = await newTodo();
        await api('PUT', `/todos/${todo.id}/status?status=in_progress`);
        await api('DELETE', `/todos/${todo.id}`);
        const todoEvents = seen.filter((event) => event.name === 'todoUpdated' && event.payload.todoId === todo.id);
        expect(todoEvents.map((event) => event.payload.changes)).toEqual([{ action: 'created' }, { status: 'in_progress' }, { action: 'deleted' }]);
        expect(todoEvents[1]).toMatchObject({ version: 2, payload: { projectId, userId: member.id } });
        expect(todoEvents[0]!.seq).toBeLessThan(todoEvents[1]!.seq!);
      } finally {
        stop();
      }
      const failed = await api('PUT', '/todos/00000000-0000-4000-8000-000000000000/status?status=done');
      expect(failed.status).toBe(404);
    });

    it('writes an activity row for each change, in the same transaction', async () => {
      const todo = await newTodo();
      await api('PUT', `/todos/${todo.id}`, { title: 'audited' });
      await api('POST', `/todos/${todo.id}/assign?user_id=${teammate.id}`);
      await api('PUT', `/todos/${todo.id}/status?status=done`); // rejected: no row
      const { activity } = await import('../../src/db/schema.js');
      const { eq } = await import('drizzle-orm');
      const rows = await server.app.fastify.services.database.db.select().from(activity).where(eq(activity.entityId, todo.id));
      expect(rows.map((row) => row.action).sort()).toEqual(['todo.assigned', 'todo.created', 'todo.updated']);
      const updated = rows.find((row) => row.action === 'todo.updated')!;
      expect(updated).toMatchObject({ actorId: member.id, projectId, teamId, before: { title: todo.title }, after: { title: 'audited' } });
    });
  });
});
