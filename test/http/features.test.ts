import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

describe('features', () => {
  let server: TestServer;
  let admin: Session;
  let member: Session;
  let teamId: string;
  let projectId: string;

  const api = (method: string, path: string, body?: unknown, token = member.token) => server.request(method, path, { token, body });
  const newFeature = async (fields: Record<string, unknown> = {}) => {
    const response = await api('POST', '/features', { project_id: projectId, name: unique('f-'), ...fields });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body;
  };
  const newTodo = async (featureId: string, fields: Record<string, unknown> = {}) => {
    const response = await api('POST', '/todos', { feature_id: featureId, title: unique('t-'), ...fields });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body;
  };
  const move = (todoId: string, status: string) => api('PUT', `/todos/${todoId}/status?status=${status}`);
  const finish = async (todoId: string) => {
    await move(todoId, 'in_progress');
    return move(todoId, 'done');
  };
  const feature = async (id: string) => (await api('GET', `/features/${id}`)).body;

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    teamId = (await createTeam(server, admin)).id;
    member = await registerTeamMember(server, admin, teamId);
    projectId = (await api('POST', '/projects', { team_id: teamId, name: unique('p-') })).body.id;
  });
  afterAll(() => server.close());

  describe('create and edit', () => {
    it('lets a member create a feature with zeroed counters, and edit it', async () => {
      const created = await newFeature({ description: 'd' });
      expect(created).toMatchObject({ project_id: projectId, status: 'new', progress_percentage: 0, total_todos: 0, completed_todos: 0, created_by: member.id });
      const updated = await api('PUT', `/features/${created.id}`, { name: 'renamed', assigned_to: member.id });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ name: 'renamed', assigned_to: member.id, description: 'd' });
      expect((await api('PUT', `/features/${created.id}`, { assigned_to: null })).body.assigned_to).toBeNull();
    });

    it('cannot be created tested or merged', async () => {
      const response = await api('POST', '/features', { project_id: projectId, name: 'x', status: 'tested' });
      expect(response.status).toBe(400);
    });

    it('links elements of its own project, once', async () => {
      const created = await newFeature();
      const todo = await newTodo(created.id);
      const linked = await api('POST', `/features/${created.id}/elements/${todo.element_id}`);
      expect(linked.status).toBe(201);
      expect(linked.body.message).toBeTruthy();
      const again = await api('POST', `/features/${created.id}/elements/${todo.element_id}`);
      expect(again.status).toBe(409);
      expect(again.body.detail).toBe('Element is already linked to this feature');
      const elements = await api('GET', `/features/${created.id}/elements`);
      expect(elements.body).toMatchObject({ total: 1, count: 1, page: 1, page_size: 20 });
      expect(elements.body.elements[0]).toMatchObject({ id: todo.element_id, project_id: projectId, title: 'Default' });
      const otherProject = (await api('POST', '/projects', { team_id: teamId, name: unique('p-') })).body.id;
      const foreignTodo = (await api('POST', '/todos', { project_id: otherProject, title: 'x' })).body;
      expect((await api('POST', `/features/${created.id}/elements/${foreignTodo.element_id}`)).status).toBe(400);
      const withElements = await api('POST', '/features', { project_id: projectId, name: 'y', element_ids: [foreignTodo.element_id] });
      expect(withElements.status).toBe(400);
    });
  });

  describe('workflow', () => {
    it('refuses tested without todos, with an unfinished todo, and from in_progress', async () => {
      const empty = await newFeature();
      await api('PUT', `/features/${empty.id}`, { status: 'done' });
      const noTodos = await api('PUT', `/features/${empty.id}`, { status: 'tested' });
      expect(noTodos.status).toBe(400);
      expect(noTodos.body.detail).toMatch(/at least one todo/);

      const unfinished = await newFeature();
      const [a] = [await newTodo(unfinished.id), await newTodo(unfinished.id)];
      await finish(a.id);
      await api('PUT', `/features/${unfinished.id}`, { status: 'done' });
      const notAllDone = await api('PUT', `/features/${unfinished.id}`, { status: 'tested' });
      expect(notAllDone.status).toBe(400);
      expect(notAllDone.body.detail).toMatch(/all its todos are done/);

      const started = await newFeature();
      const todo = await newTodo(started.id);
      await finish(todo.id);
      // All done: auto-status made it done; move it back by hand, then try to skip.
      expect((await feature(started.id)).status).toBe('done');
      await api('PUT', `/features/${started.id}`, { status: 'in_progress' });
      const skip = await api('PUT', `/features/${started.id}`, { status: 'merged' });
      expect(skip.status).toBe(400);
      expect(skip.body.detail).toMatch(/must be done or tested first/);
    });

    it('goes done → tested → merged once every todo is done, and back by hand', async () => {
      const created = await newFeature();
      const todos = [await newTodo(created.id), await newTodo(created.id)];
      for (const todo of todos) await finish(todo.id);
      expect(await feature(created.id)).toMatchObject({ status: 'done', progress_percentage: 100, completed_todos: 2 });
      const tested = await api('PUT', `/features/${created.id}`, { status: 'tested' });
      expect(tested.status).toBe(200);
      expect(tested.body.status).toBe('tested');
      const merged = await api('PUT', `/features/${created.id}`, { status: 'merged' });
      expect(merged.body.status).toBe('merged');
      expect((await api('PUT', `/features/${created.id}`, { status: 'done' })).body.status).toBe('done');
      expect((await api('PUT', `/features/${created.id}`, { status: 'merged' })).body.status).toBe('merged');
    });

    it('keeps tested when a todo is reopened (only set by hand)', async () => {
      const created = await newFeature();
      const todo = await newTodo(created.id);
      await finish(todo.id);
      await api('PUT', `/features/${created.id}`, { status: 'tested' });
      await move(todo.id, 'in_progress');
      expect(await feature(created.id)).toMatchObject({ status: 'tested', progress_percentage: 0 });
    });
  });

  describe('progress', () => {
    it('is 50 for one of two todos done, and the feature starts on the first move', async () => {
      const created = await newFeature();
      const [a, b] = [await newTodo(created.id), await newTodo(created.id)];
      expect(await feature(created.id)).toMatchObject({ status: 'new', total_todos: 2, progress_percentage: 0 });
      await move(a.id, 'in_progress');
      expect((await feature(created.id)).status).toBe('in_progress');
      await move(a.id, 'done');
      expect(await feature(created.id)).toMatchObject({ status: 'in_progress', total_todos: 2, completed_todos: 1, progress_percentage: 50 });
      await finish(b.id);
      expect(await feature(created.id)).toMatchObject({ status: 'done', progress_percentage: 100 });
    });

    it('is 58 for 29 of 50, in integer arithmetic', async () => {
      const created = await newFeature();
      // Created done directly (allowed at creation) to keep the test fast; 21 stay new.
      const batch = (n: number, status: string) =>
        Promise.all(Array.from({ length: n }, (_, i) => api('POST', '/todos', { feature_id: created.id, title: `${status}-${i}`, status })));
      const results = [...(await batch(29, 'done')), ...(await batch(21, 'new'))];
      expect(results.every((response) => response.status === 201)).toBe(true);
      expect(await feature(created.id)).toMatchObject({ total_todos: 50, completed_todos: 29, progress_percentage: 58, status: 'in_progress' });
      const calculated = await api('POST', `/features/${created.id}/calculate-progress`);
      expect(calculated.body).toEqual({ total: 50, completed: 29, percentage: 58 });
      const page = await api('GET', `/features/${created.id}/todos?page_size=100`);
      expect(page.body).toMatchObject({ total: 50, count: 50 });
      const done = await api('GET', `/features/${created.id}/todos?status=done&skip=20&limit=5`);
      expect(done.body).toMatchObject({ total: 29, count: 5, page: 5, page_size: 5 });
    });

    it('recomputes both features when a todo moves between them', async () => {
      const from = await newFeature();
      const to = await newFeature();
      const mover = await newTodo(from.id);
      await newTodo(from.id);
      await finish(mover.id);
      expect(await feature(from.id)).toMatchObject({ total_todos: 2, completed_todos: 1, progress_percentage: 50 });
      const moved = await api('PUT', `/todos/${mover.id}`, { feature_id: to.id });
      expect(moved.status).toBe(200);
      expect(await feature(from.id)).toMatchObject({ total_todos: 1, completed_todos: 0, progress_percentage: 0 });
      expect(await feature(to.id)).toMatchObject({ total_todos: 1, completed_todos: 1, progress_percentage: 100, status: 'done' });
    });

    it('sends a done feature back to in_progress when its todo is reopened', async () => {
      const created = await newFeature();
      const todo = await newTodo(created.id);
      await finish(todo.id);
      expect((await feature(created.id)).status).toBe('done');
      await move(todo.id, 'in_progress');
      expect(await feature(created.id)).toMatchObject({ status: 'in_progress', progress_percentage: 0 });
    });

    it('counts todo creation and deletion', async () => {
      const created = await newFeature();
      const a = await newTodo(created.id);
      await finish(a.id);
      const b = await newTodo(created.id);
      expect(await feature(created.id)).toMatchObject({ total_todos: 2, progress_percentage: 50, status: 'in_progress' });
      await api('DELETE', `/todos/${b.id}`);
      expect(await feature(created.id)).toMatchObject({ total_todos: 1, progress_percentage: 100, status: 'done' });
    });

    it('publishes featureUpdated when a todo change moves its progress', async () => {
      const created = await newFeature();
      const todo = await newTodo(created.id);
      const seen: Record<string, unknown>[] = [];
      const stop = server.app.fastify.services.events.subscribe((event) => {
        if (event.name === 'featureUpdated' && event.payload.featureId === created.id) seen.push(event.payload);
      });
      try {
        await finish(todo.id);
      } finally {
        stop();
      }
      expect(seen.at(-1)).toEqual({ featureId: created.id, projectId, progress: 100, status: 'done' });
    });
  });

  describe('element roll-up', () => {
    it("rolls the todo's element up to in_progress when its todo starts", async () => {
      const created = await newFeature();
      const todo = await newTodo(created.id);
      await move(todo.id, 'in_progress');
      const element = await api('GET', `/elements/${todo.element_id}`);
      expect(element.status).toBe(200);
      expect(element.body.status).toBe('in_progress');
    });
  });

  describe('listing', () => {
    it('filters by status and sorts by the named order', async () => {
      const listProject = (await api('POST', '/projects', { team_id: teamId, name: unique('p-') })).body.id;
      for (const name of ['beta', 'alpha', 'gamma']) await api('POST', '/features', { project_id: listProject, name });
      await api('POST', '/features', { project_id: listProject, name: 'delta', status: 'in_progress' });
      const byName = await api('GET', `/features/project/${listProject}?sort=name_asc`);
      expect(byName.body.features.map((f: { name: string }) => f.name)).toEqual(['alpha', 'beta', 'delta', 'gamma']);
      expect(byName.body).toMatchObject({ total: 4, page: 1, page_size: 20 });
      const byNameDesc = await api('GET', `/features/project/${listProject}?sort=name_desc&page=2&page_size=3`);
      expect(byNameDesc.body.features.map((f: { name: string }) => f.name)).toEqual(['alpha']);
      const created = await api('GET', `/features/project/${listProject}?sort=created_at_asc&skip=1&limit=1`);
      expect(created.body.features.map((f: { name: string }) => f.name)).toEqual(['alpha']);
      const started = await api('GET', `/features/project/${listProject}?status=in_progress`);
      expect(started.body.features.map((f: { name: string }) => f.name)).toEqual(['delta']);
      expect((await api('GET', `/features/project/${listProject}?sort=nonsense`)).status).toBe(200);
      expect((await api('GET', `/v1/features/project/${listProject}`)).body.total).toBe(4);
    });
  });

  describe('delete', () => {
    it('previews, then unlinks its todos instead of deleting them', async () => {
      const created = await newFeature();
      const todos = [await newTodo(created.id), await newTodo(created.id)];
      await api('POST', `/features/${created.id}/elements/${todos[0].element_id}`);
      const preview = await api('GET', `/features/${created.id}/delete-preview`);
      expect(preview.status).toBe(200);
      expect(preview.body).toEqual({
        feature_id: created.id,
        todos_unlinked: todos.map((todo) => ({ id: todo.id, title: todo.title })),
        element_links_removed: 1,
        documents_unlinked: 0,
        branches_unlinked: 0,
      });
      const seen: Record<string, unknown>[] = [];
      const stop = server.app.fastify.services.events.subscribe((event) => {
        if (event.name === 'featureUpdated' && event.payload.featureId === created.id) seen.push(event.payload);
      });
      try {
        expect((await api('DELETE', `/features/${created.id}`)).status).toBe(204);
      } finally {
        stop();
      }
      expect(seen).toEqual([{ featureId: created.id, projectId, progress: 0, status: 'deleted' }]);
      expect((await api('GET', `/features/${created.id}`)).status).toBe(404);
      for (const todo of todos) {
        const after = await api('GET', `/todos/${todo.id}`);
        expect(after.status).toBe(200);
        expect(after.body).toMatchObject({ feature_id: null, version: 2 });
      }
    });
  });
});
