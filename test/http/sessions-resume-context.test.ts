import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import {
  type Todo,
  type TodoStatus,
  advanceTodo,
  claimTodoInDatabase,
  createElement,
  createFeature,
  createFeatureWithStatus,
  createProject as createProjectAs,
  createTodo,
} from '../helpers/content.js';
import { type TestServer, startServer } from '../helpers/server.js';

/** What a todo starts with (`POST /todos` fields) and the status it is then worked to. */
interface TodoSetup {
  status?: TodoStatus;
  priority?: 'critical' | 'high' | 'medium' | 'low';
  position?: number;
  blocker_reason?: string;
  blocked_by?: string[];
  assigned_to?: string;
  feature_id?: string;
}

// The todos, elements and features the context reads are made through their REST
// routes. Only claims are written straight into the database (claimTodoInDatabase):
// agents take them through an MCP tool that does not exist yet.
describe('resume context', () => {
  let server: TestServer;
  let admin: Session;
  let me: Session;
  let colleague: Session;
  let outsider: Session;
  let team: { id: string };

  const inAnHour = () => new Date(Date.now() + 3_600_000);
  const anHourAgo = () => new Date(Date.now() - 3_600_000);

  const createProject = () => createProjectAs(server, me, team.id);

  async function element(projectId: string, status: 'new' | 'in_progress' | 'done' = 'new'): Promise<string> {
    return (await createElement(server, me, projectId, { type: 'component', status })).id;
  }

  /** A todo made by me in the element, then moved through the workflow to `status`. */
  async function todo(elementId: string, title: string, { status = 'new', ...fields }: TodoSetup = {}): Promise<Todo> {
    return advanceTodo(server, me, await createTodo(server, me, { element_id: elementId, title, ...fields }), status);
  }

  /** A todo as `todo` makes it, then claimed by `holder` until `expiresAt` (see claimTodoInDatabase). */
  async function claimedTodo(elementId: string, title: string, setup: TodoSetup, holder: Session, expiresAt: Date): Promise<Todo> {
    const made = await todo(elementId, title, setup);
    await claimTodoInDatabase(server, made.id, holder.id, expiresAt);
    return made;
  }

  const context = (projectId: string, token = me.token) => server.request('GET', `/projects/${projectId}/resume-context`, { token });

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    team = await createTeam(server, admin);
    me = await registerTeamMember(server, admin, team.id);
    colleague = await registerTeamMember(server, admin, team.id);
    outsider = await registerTeamMember(server, admin, (await createTeam(server, admin)).id);
  });
  afterAll(() => server.close());

  it('is empty but complete for a fresh project', async () => {
    const projectId = await createProject();
    await server.request('PUT', `/projects/${projectId}`, { token: admin.token, body: { cursor_instructions: 'Use pnpm' } });
    const response = await context(projectId);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      project: { id: projectId, name: expect.any(String), status: 'active' },
      last: null,
      now: { next_todos: [], active_elements: [], immediate_goals: [] },
      next_blockers: [],
      constraints: [],
      cursor_instructions: 'Use pnpm',
    });
  });

  it('ranks next todos: mine in progress, then priority, unblocked before blocked, position, age', async () => {
    const projectId = await createProject();
    const el = await element(projectId);
    const mineInProgress = await todo(el, 'mine in progress', { status: 'in_progress', assigned_to: me.id, priority: 'low' });
    const critical = await todo(el, 'critical', { priority: 'critical' });
    const highBlocked = await todo(el, 'high blocked', { priority: 'high', blocker_reason: 'waiting for the API key' });
    const highLate = await todo(el, 'high position 5', { priority: 'high', position: 5 });
    const highEarly = await todo(el, 'high position 1', { priority: 'high', position: 1 });
    await todo(el, 'medium', { priority: 'medium' });
    await todo(el, 'theirs in progress', { status: 'in_progress', assigned_to: colleague.id, priority: 'critical' });
    await claimedTodo(el, 'claimed by them', { priority: 'critical' }, colleague, inAnHour());
    await todo(el, 'done', { status: 'done', priority: 'critical' });

    const response = await context(projectId);
    expect(response.status).toBe(200);
    const next = response.body.now.next_todos;
    expect(next.map((t: { id: string }) => t.id)).toEqual([mineInProgress.id, critical.id, highEarly.id, highLate.id, highBlocked.id]);
    expect(next[0]).toEqual({
      id: mineInProgress.id,
      title: 'mine in progress',
      description: null,
      status: 'in_progress',
      priority: 'low',
      element_id: el,
      feature_id: null,
      assigned_to: me.id,
      blocked: false,
      version: mineInProgress.version,
    });
    expect(next[4].blocked).toBe(true);
  });

  it('never offers a todo someone else holds, but does offer expired claims and my own', async () => {
    const projectId = await createProject();
    const el = await element(projectId);
    await claimedTodo(el, 'their live claim', { priority: 'critical' }, colleague, inAnHour());
    await todo(el, 'assigned to them', { priority: 'critical', assigned_to: colleague.id });
    const expired = await claimedTodo(el, 'their expired claim', { priority: 'low' }, colleague, anHourAgo());
    const myClaim = await claimedTodo(el, 'my claim', { priority: 'medium' }, me, inAnHour());

    const forMe = await context(projectId);
    expect(forMe.body.now.next_todos.map((t: { id: string }) => t.id)).toEqual([myClaim.id, expired.id]);
    // The same project seen by the colleague: their claim and assignment are theirs to do.
    const forThem = await context(projectId, colleague.token);
    expect(forThem.body.now.next_todos.map((t: { title: string }) => t.title)).toEqual(['their live claim', 'assigned to them', 'their expired claim']);
  });

  it('lists what waits: a blocker reason or an unfinished blocked_by, with what it waits for', async () => {
    const projectId = await createProject();
    const el = await element(projectId);
    const finished = await todo(el, 'finished', { status: 'done' });
    const pending = await todo(el, 'pending', { position: 1 });
    const reason = await todo(el, 'has reason', { blocker_reason: 'needs design', position: 2 });
    const waiting = await todo(el, 'waits', { blocked_by: [pending.id, finished.id], position: 3 });
    await todo(el, 'waited for done', { blocked_by: [finished.id], position: 4 });
    await todo(el, 'blank reason', { blocker_reason: '  ', position: 5 });
    await todo(el, 'done but had reason', { status: 'done', blocker_reason: 'old' });

    const response = await context(projectId);
    expect(response.body.next_blockers).toEqual([
      { id: reason.id, title: 'has reason', status: 'new', version: reason.version, blocker_reason: 'needs design', waiting_for: [] },
      {
        id: waiting.id,
        title: 'waits',
        status: 'new',
        version: waiting.version,
        blocker_reason: null,
        waiting_for: [{ id: pending.id, title: 'pending', status: 'new', version: pending.version }],
      },
    ]);
    const blockedFlags = Object.fromEntries(response.body.now.next_todos.map((t: { title: string; blocked: boolean }) => [t.title, t.blocked]));
    expect(blockedFlags).toMatchObject({ pending: false, 'has reason': true, waits: true, 'waited for done': false });
  });

  it('tells what the last ended session did, and what is going on now', async () => {
    const projectId = await createProject();
    const active = await element(projectId, 'in_progress');
    await element(projectId, 'done');
    // Login is under way: 2 of its 5 todos are done, so it is in_progress at 40%.
    const goal = await createFeature(server, me, projectId, { name: 'Login' });
    for (const [index, status] of (['done', 'done', 'new', 'new', 'new'] as const).entries()) {
      await todo(active, `login ${index}`, { status, feature_id: goal.id });
    }
    await createFeatureWithStatus(server, me, projectId, 'merged', { feature: { name: 'Old' }, todo: { element_id: active } });
    const completed = await todo(active, 'completed one', { status: 'done' });

    const session = await server.request('POST', '/sessions', { token: colleague.token, body: { project_id: projectId, goal: 'Login' } });
    const ended = await server.request('POST', `/sessions/${session.body.id}/end`, {
      token: colleague.token,
      body: { summary: 'Did the login form', todos_completed: [completed.id], elements_updated: [active] },
    });
    // A session still open is not "last".
    await server.request('POST', '/sessions', { token: me.token, body: { project_id: projectId } });

    const response = await context(projectId);
    expect(response.body.last).toEqual({
      session_id: session.body.id,
      session_summary: 'Did the login form',
      completed_todos: [{ id: completed.id, title: 'completed one', status: 'done', version: completed.version }],
      updated_elements: [{ id: active, title: expect.any(String), type: 'component', status: 'in_progress' }],
      timestamp: ended.body.ended_at,
    });
    expect(response.body.now.active_elements.map((e: { id: string }) => e.id)).toEqual([active]);
    expect(response.body.now.immediate_goals).toEqual([{ feature_id: goal.id, name: 'Login', status: 'in_progress', progress_percentage: 40 }]);
  });

  it('names the constraints and architecture decisions among the documents', async () => {
    const projectId = await createProject();
    const create = async (type: string, title: string) =>
      (await server.request('POST', '/documents', { token: me.token, body: { project_id: projectId, type, title, content: 'x' } })).body.id as string;
    const adr = await create('adr', 'ADR 1: Postgres');
    const rule = await create('constraints', 'No sync I/O');
    await create('notes', 'Meeting notes');
    const response = await context(projectId);
    expect(response.body.constraints).toEqual([
      { id: adr, title: 'ADR 1: Postgres', type: 'adr' },
      { id: rule, title: 'No sync I/O', type: 'constraints' },
    ]);
  });

  it('offers a todo made through POST /todos, with the version the todo routes report', async () => {
    const projectId = await createProject();
    const created = await server.request('POST', '/todos', { token: me.token, body: { project_id: projectId, title: 'via the API', priority: 'critical' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const started = await server.request('PUT', `/todos/${created.body.id}`, {
      token: me.token,
      body: { status: 'in_progress', expected_version: created.body.version },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const next = (await context(projectId)).body.now.next_todos;
    expect(next).toHaveLength(1);
    expect(next[0]).toMatchObject({ id: created.body.id, status: 'in_progress', version: started.body.version });
  });

  it('is cached per caller, yet shows every change at once', async () => {
    const projectId = await createProject();
    const componentId = await element(projectId);
    const first = await todo(componentId, 'First step');
    expect((await context(projectId)).body.now.next_todos.map((t: Todo) => t.id)).toEqual([first.id]);
    // Served from the cache now; each of these changes must still show on the next read.
    const second = await todo(componentId, 'Second step', { priority: 'critical' });
    expect((await context(projectId)).body.now.next_todos.map((t: Todo) => t.id)).toEqual([second.id, first.id]);
    const started = await server.request('POST', '/sessions', { token: me.token, body: { project_id: projectId, goal: 'Cache check' } });
    await server.request('PUT', `/sessions/${started.body.id}`, { token: me.token, body: { notes: 'n' } });
    await server.request('POST', `/sessions/${started.body.id}/end`, { token: me.token, body: { summary: 'Checked the cache' } });
    expect((await context(projectId)).body.last.session_summary).toBe('Checked the cache');
  });

  it('answers 404 to another team, 422 to a bad id, and under /v1 too', async () => {
    const projectId = await createProject();
    const hidden = await context(projectId, outsider.token);
    expect(hidden.status).toBe(404);
    expect(hidden.body.detail).toBe('Project not found');
    expect((await server.request('GET', '/projects/xyz/resume-context', { token: me.token })).status).toBe(422);
    expect((await server.request('GET', `/v1/projects/${projectId}/resume-context`, { token: me.token })).status).toBe(200);
  });
});
