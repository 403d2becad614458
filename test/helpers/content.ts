import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { todos } from '../../src/db/schema.js';
import type { Session } from './actors.js';
import { type TestServer, unique } from './server.js';

/**
 * A project's content made the way a client makes it: through the REST routes
 * (`/projects`, `/elements`, `/features`, `/todos`), with the workflows those routes
 * enforce. Every helper fails the test with the server's answer if the call is refused.
 */

export type TodoStatus = 'new' | 'in_progress' | 'done';
export type FeatureStatus = 'new' | 'in_progress' | 'done' | 'tested' | 'merged';

/** The fields of a todo answer the tests read; the rest is there too. */
export interface Todo {
  id: string;
  project_id: string;
  element_id: string;
  feature_id: string | null;
  title: string;
  status: TodoStatus;
  version: number;
  [field: string]: unknown;
}

export interface Feature {
  id: string;
  project_id: string;
  name: string;
  status: FeatureStatus;
  progress_percentage: number;
  [field: string]: unknown;
}

export interface Element {
  id: string;
  project_id: string;
  title: string;
  type: string;
  status: string;
  [field: string]: unknown;
}

export async function createProject(server: TestServer, actor: Session, teamId: string, body: Record<string, unknown> = {}): Promise<string> {
  const response = await server.request('POST', '/projects', { token: actor.token, body: { team_id: teamId, name: unique('p-'), ...body } });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id;
}

/** `POST /elements`: a `module` with a random title unless the body says otherwise. */
export async function createElement(server: TestServer, actor: Session, projectId: string, body: Record<string, unknown> = {}): Promise<Element> {
  const response = await server.request('POST', '/elements', { token: actor.token, body: { project_id: projectId, type: 'module', title: unique('el-'), ...body } });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

/** `POST /features`: a new feature with a random name unless the body says otherwise. */
export async function createFeature(server: TestServer, actor: Session, projectId: string, body: Record<string, unknown> = {}): Promise<Feature> {
  const response = await server.request('POST', '/features', { token: actor.token, body: { project_id: projectId, name: unique('f-'), ...body } });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

/**
 * `POST /todos`: `body` names where it goes (`project_id`, `element_id` or
 * `feature_id`) and anything else it should start with; the title is random unless given.
 */
export async function createTodo(server: TestServer, actor: Session, body: Record<string, unknown>): Promise<Todo> {
  const response = await server.request('POST', '/todos', { token: actor.token, body: { title: unique('todo-'), ...body } });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

const TODO_WORKFLOW: readonly TodoStatus[] = ['new', 'in_progress', 'done'];

/**
 * Moves a todo forward to `to` one step at a time (new → in_progress → done), with
 * `PUT /todos/{id}` and the `expected_version` of the step before, as a careful client
 * would. Answers the todo as the last step left it (its `version` included).
 */
export async function advanceTodo(server: TestServer, actor: Session, todo: Todo, to: TodoStatus): Promise<Todo> {
  let current = todo;
  for (const status of TODO_WORKFLOW.slice(TODO_WORKFLOW.indexOf(current.status) + 1, TODO_WORKFLOW.indexOf(to) + 1)) {
    const response = await server.request('PUT', `/todos/${current.id}`, { token: actor.token, body: { status, expected_version: current.version } });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    current = response.body;
  }
  expect(current.status).toBe(to);
  return current;
}

/** A todo created and then worked on until it has `status`. */
export async function createTodoWithStatus(server: TestServer, actor: Session, status: TodoStatus, body: Record<string, unknown>): Promise<Todo> {
  return advanceTodo(server, actor, await createTodo(server, actor, body), status);
}

/**
 * A feature brought to `status` the way a team gets it there: its first three
 * statuses follow its todos (one todo, started for in_progress, finished for done),
 * tested and merged are then set with `PUT /features/{id}`. `todo` adds fields to that
 * todo (by default it goes to the project's default element).
 */
export async function createFeatureWithStatus(
  server: TestServer,
  actor: Session,
  projectId: string,
  status: FeatureStatus,
  options: { feature?: Record<string, unknown>; todo?: Record<string, unknown> } = {},
): Promise<Feature> {
  const feature = await createFeature(server, actor, projectId, options.feature);
  if (status === 'new') return feature;
  const todoStatus: TodoStatus = status === 'in_progress' ? 'in_progress' : 'done';
  await createTodoWithStatus(server, actor, todoStatus, { project_id: projectId, feature_id: feature.id, ...options.todo });
  if (status === 'tested' || status === 'merged') {
    const response = await server.request('PUT', `/features/${feature.id}`, { token: actor.token, body: { status } });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
  }
  const current = await server.request('GET', `/features/${feature.id}`, { token: actor.token });
  expect(current.status, JSON.stringify(current.body)).toBe(200);
  expect(current.body.status).toBe(status);
  return current.body;
}

/**
 * The one direct database write left: puts a claim on a todo. Claims are taken by
 * agents through the MCP claim tool, which does not exist yet, and no REST route sets
 * `claimed_by`/`claim_expires_at`, so a test needing a claimed todo cannot get one
 * from the API. Replace this with the MCP tool once it exists.
 */
export async function claimTodoInDatabase(server: TestServer, todoId: string, claimedBy: string, claimExpiresAt: Date): Promise<void> {
  const claimed = await server.app.fastify.services.database.db
    .update(todos)
    .set({ claimedBy, claimExpiresAt })
    .where(eq(todos.id, todoId))
    .returning({ id: todos.id });
  expect(claimed).toHaveLength(1);
}
