import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject } from '../helpers/content.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';
import { type McpWorld, connectMcp, mcpWorld, ok } from './helpers.js';

/** What docs/mcp.md promises an agent in its first session, checked as an agent sees it. */

/** Every path in `value` whose value is null, "" or an empty list (the docs say these are left out). */
function emptyFields(value: unknown, path = '$'): string[] {
  if (value === null || value === '') return [path];
  if (Array.isArray(value)) return value.length === 0 ? [path] : value.flatMap((item, index) => emptyFields(item, `${path}[${index}]`));
  if (typeof value === 'object') return Object.entries(value as object).flatMap(([key, field]) => emptyFields(field, `${path}.${key}`));
  return [];
}

describe('the first session of an agent', () => {
  let server: TestServer;
  let world: McpWorld;
  let mcp: Client;

  beforeAll(async () => {
    server = await startServer();
    world = await mcpWorld(server);
    mcp = await connectMcp(server, world.key);
  });
  afterAll(async () => {
    await mcp?.close();
    await server?.close();
  });

  it('gets a resume context without null, "" or [] fields, on a new project and with work in it', async () => {
    const fresh = await createProject(server, world.leader, world.team.id);
    const empty = await ok(mcp, 'mcp_get_resume_context', { projectId: fresh });
    expect(emptyFields(empty)).toEqual([]);
    expect(empty.project.id).toBe(fresh);
    expect(empty.last).toBeUndefined(); // no session yet: left out, not null
    expect(empty.cursor_instructions).toBeUndefined();

    const todo = await ok(mcp, 'mcp_create_todo', { projectId: fresh, title: unique('first-') });
    const withWork = await ok(mcp, 'mcp_get_resume_context', { projectId: fresh });
    expect(emptyFields(withWork)).toEqual([]);
    expect(withWork.now.next_todos[0]).toMatchObject({ id: todo.id, version: todo.version, blocked: false });

    const context = await ok(mcp, 'mcp_get_project_context', { projectId: fresh });
    expect(emptyFields(context.resume_context)).toEqual([]);
  });

  it('ends a session without completedTodos and still reports the todos it finished', async () => {
    const projectId = await createProject(server, world.leader, world.team.id);
    const before = await ok(mcp, 'mcp_create_todo', { projectId, title: unique('done-before-') });
    await ok(mcp, 'mcp_update_todo_status', { todoId: before.id, status: 'in_progress' });
    await ok(mcp, 'mcp_update_todo_status', { todoId: before.id, status: 'done' });

    const session = await ok(mcp, 'mcp_start_session', { projectId, goal: 'Finish two todos' });
    const first = await ok(mcp, 'mcp_create_todo', { projectId, title: unique('first-') });
    const second = await ok(mcp, 'mcp_create_todo', { projectId, title: unique('second-') });
    const reopened = await ok(mcp, 'mcp_create_todo', { projectId, title: unique('reopened-') });
    for (const todo of [second, first, reopened]) {
      await ok(mcp, 'mcp_update_todo_status', { todoId: todo.id, status: 'in_progress' });
      await ok(mcp, 'mcp_update_todo_status', { todoId: todo.id, status: 'done' });
    }
    await ok(mcp, 'mcp_update_todo_status', { todoId: reopened.id, status: 'in_progress' }); // not done any more

    const ended = await ok(mcp, 'mcp_end_session', { sessionId: session.id });
    expect(ended.summary).toContain('2');
    const resume = await ok(mcp, 'mcp_get_resume_context', { projectId });
    // In the order they were finished; the one done before the session and the reopened one are not.
    expect(resume.last.completed_todos.map((todo: { id: string }) => todo.id)).toEqual([second.id, first.id]);
  });

  it('keeps the completedTodos it was given over what the activity says', async () => {
    const projectId = await createProject(server, world.leader, world.team.id);
    const session = await ok(mcp, 'mcp_start_session', { projectId });
    const a = await ok(mcp, 'mcp_create_todo', { projectId, title: unique('a-') });
    const b = await ok(mcp, 'mcp_create_todo', { projectId, title: unique('b-') });
    for (const todo of [a, b]) {
      await ok(mcp, 'mcp_update_todo_status', { todoId: todo.id, status: 'in_progress' });
      await ok(mcp, 'mcp_update_todo_status', { todoId: todo.id, status: 'done' });
    }
    await ok(mcp, 'mcp_end_session', { sessionId: session.id, completedTodos: [b.id], summary: 'Only b counts' });
    const resume = await ok(mcp, 'mcp_get_resume_context', { projectId });
    expect(resume.last.completed_todos.map((todo: { id: string }) => todo.id)).toEqual([b.id]);
  });

  it('sees a new project’s empty Default element as new, not done', async () => {
    const projectId = await createProject(server, world.leader, world.team.id);
    const elements = await server.request('GET', `/elements/project/${projectId}/tree`, { token: world.leader.token });
    expect(elements.status, JSON.stringify(elements.body)).toBe(200);
    const defaults = elements.body.elements.filter((element: { title: string }) => element.title === 'Default');
    expect(defaults).toHaveLength(1);
    expect(defaults[0].status).toBe('new');

    // Once it holds a todo that is done, it rolls up to done as before.
    const todo = await ok(mcp, 'mcp_create_todo', { projectId, title: unique('only-') });
    await ok(mcp, 'mcp_update_todo_status', { todoId: todo.id, status: 'in_progress' });
    await ok(mcp, 'mcp_update_todo_status', { todoId: todo.id, status: 'done' });
    const after = await server.request('GET', `/elements/project/${projectId}/tree`, { token: world.leader.token });
    const rolled = after.body.elements.find((element: { title: string }) => element.title === 'Default');
    expect(rolled.status).toBe('done');
  });
});
