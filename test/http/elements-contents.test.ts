import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

// Response bodies are JSON; see test/helpers/server.ts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Elements together with what hangs off them: todos, features and documents. */
describe('elements with their contents', () => {
  let server: TestServer;
  let member: Session;
  let team: { id: string };

  beforeAll(async () => {
    server = await startServer();
    const admin = await loginAdmin(server);
    team = await createTeam(server, admin);
    member = await registerTeamMember(server, admin, team.id);
  });
  afterAll(() => server.close());

  async function post(path: string, body: Record<string, unknown>): Promise<Json> {
    const response = await server.request('POST', path, { token: member.token, body });
    expect(response.status, `${path} ${JSON.stringify(response.body)}`).toBe(201);
    return response.body;
  }
  const get = async (path: string): Promise<Json> => (await server.request('GET', path, { token: member.token })).body;
  const newProject = () => post('/projects', { team_id: team.id, name: unique('p-') });
  const element = (projectId: string, extra: Record<string, unknown> = {}) =>
    post('/elements', { project_id: projectId, type: 'component', title: unique('e-'), ...extra });
  const todo = (elementId: string, extra: Record<string, unknown> = {}) => post('/todos', { element_id: elementId, title: unique('t-'), ...extra });

  async function finish(todoId: string): Promise<void> {
    for (const status of ['in_progress', 'done']) {
      const response = await server.request('PUT', `/todos/${todoId}`, { token: member.token, body: { status } });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
    }
  }

  function findNode(nodes: Json[], id: string): Json {
    for (const node of nodes) {
      if (node.id === id) return node;
      const found = findNode(node.children, id);
      if (found) return found;
    }
    return undefined;
  }

  it('counts todos and names linked features in the tree, and lists todos on the element', async () => {
    const project = await newProject();
    const parent = await element(project.id);
    const child = await element(project.id, { parent_id: parent.id });
    const done = await todo(child.id);
    const open = await todo(child.id);
    await finish(done.id);
    await post('/features', { project_id: project.id, name: 'Zeta', element_ids: [child.id] });
    const alpha = await post('/features', { project_id: project.id, name: 'Alpha', element_ids: [child.id, parent.id] });
    await todo(child.id, { feature_id: alpha.id });

    const tree = await get(`/elements/project/${project.id}/tree`);
    const childNode = findNode(tree.elements, child.id);
    expect(childNode).toMatchObject({ todos_count: 3, todos_done_count: 1, features_count: 2, linked_features: ['Alpha', 'Zeta'] });
    expect(findNode(tree.elements, parent.id)).toMatchObject({ todos_count: 0, features_count: 1, linked_features: ['Alpha'] });

    const detail = await get(`/elements/${child.id}`);
    expect(detail.todos).toHaveLength(3);
    expect(detail.todos[0]).toEqual({ id: done.id, title: done.title, status: 'done', feature_id: null });
    expect(detail.todos.map((row: Json) => row.id)).toContain(open.id);
  });

  it('rolls an element up from its own todos and its children together', async () => {
    const project = await newProject();
    const parent = await element(project.id);
    const child = await element(project.id, { parent_id: parent.id });
    const childTodo = await todo(child.id);
    await finish(childTodo.id);
    expect((await get(`/elements/${child.id}`)).status).toBe('done');
    expect((await get(`/elements/${parent.id}`)).status).toBe('done');

    const ownTodo = await todo(parent.id);
    expect((await get(`/elements/${parent.id}`)).status).toBe('in_progress');
    await finish(ownTodo.id);
    expect((await get(`/elements/${parent.id}`)).status).toBe('done');
  });

  it('deletes the subtree with its todos, unlinks documents, drops feature links and recounts features', async () => {
    const project = await newProject();
    const keep = await element(project.id);
    const top = await element(project.id, { parent_id: keep.id });
    const child = await element(project.id, { parent_id: top.id });
    const feature = await post('/features', { project_id: project.id, name: unique('f-'), element_ids: [top.id, child.id, keep.id] });
    const goingDone = await todo(child.id, { feature_id: feature.id });
    await finish(goingDone.id);
    const going = await todo(top.id);
    const staying = await todo(keep.id, { feature_id: feature.id });
    const document = await post('/documents', { project_id: project.id, element_id: child.id, type: 'notes', title: 'n', content: 'text' });
    expect((await get(`/features/${feature.id}`)).progress_percentage).toBe(50);
    expect((await get(`/elements/${keep.id}`)).status).toBe('in_progress');

    const preview = await get(`/elements/${top.id}/delete-preview`);
    expect(preview).toEqual({
      element_id: top.id,
      elements_deleted: [
        { id: top.id, title: top.title },
        { id: child.id, title: child.title },
      ],
      todos_deleted: 2,
      documents_unlinked: 1,
      feature_links_removed: 2,
      dependencies_removed: 0,
    });

    expect((await server.request('DELETE', `/elements/${top.id}`, { token: member.token })).status).toBe(204);
    for (const gone of [goingDone, going]) {
      expect((await server.request('GET', `/todos/${gone.id}`, { token: member.token })).status).toBe(404);
    }
    expect((await get(`/todos/${staying.id}`)).element_id).toBe(keep.id);
    expect((await get(`/documents/${document.id}`)).element_id).toBeNull();
    expect(await get(`/features/${feature.id}`)).toMatchObject({ total_todos: 1, completed_todos: 0, progress_percentage: 0 });
    const tree = await get(`/elements/project/${project.id}/tree`);
    expect(findNode(tree.elements, keep.id)).toMatchObject({ children: [], todos_count: 1, features_count: 1 });
    // Only keep's own open todo is left in it.
    expect((await get(`/elements/${keep.id}`)).status).toBe('new');
  });
});
