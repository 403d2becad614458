import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { todos } from '../../src/db/schema.js';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type Todo, createProject, createTodo } from '../helpers/content.js';
import { type TestServer, startServer } from '../helpers/server.js';
import { connectMcp, createMcpKey, ok } from '../mcp/helpers.js';
import { type SignalRClient, connectSignalR, waitFor } from '../realtime/helpers.js';

/**
 * Claims protect a todo over REST as they do over MCP (docs/security.md "Claims"):
 * Ada's agent claims a todo through the MCP tool; Bob cannot move or reassign it
 * over REST while the claim is live; Ada's own change renews or ends the claim; a
 * team leader's or an admin's change ends it; and a REST status change leaves the
 * same row, activity and events as the MCP one.
 */
let server: TestServer;
let admin: Session;
let leader: Session;
let ada: Session;
let bob: Session;
let teamId: string;
let projectId: string;
let adaAgent: Client;
let board: SignalRClient;

beforeAll(async () => {
  server = await startServer();
  admin = await loginAdmin(server);
  teamId = (await createTeam(server, admin)).id;
  leader = await registerTeamMember(server, admin, teamId, 'team_leader');
  ada = await registerTeamMember(server, leader, teamId);
  bob = await registerTeamMember(server, leader, teamId);
  projectId = await createProject(server, leader, teamId);
  adaAgent = await connectMcp(server, await createMcpKey(server, ada));
  board = await connectSignalR(server, leader.token);
  await board.connection.invoke('JoinProject', projectId);
});

afterAll(async () => {
  await Promise.allSettled([adaAgent?.close(), board?.stop()]);
  await server?.close();
});

function as(user: Session, method: string, path: string, body?: unknown) {
  return server.request(method, path, { token: user.token, body });
}

/** A new todo Ada's agent has claimed for `leaseMinutes`, as the claim answered it. */
async function claimedByAda(leaseMinutes = 5): Promise<{ id: string; version: number; claim_expires_at: string }> {
  const todo = await createTodo(server, leader, { project_id: projectId });
  const answer = await ok(adaAgent, 'mcp_claim_next_todo', { projectId, todoId: todo.id, leaseMinutes });
  expect(answer.claimed).toBe(true);
  return answer.todo;
}

/**
 * A field of an audit `before`/`after` snapshot, read by its wire (snake_case) name
 * or its row (camelCase) name: which one the log shows is not what these tests are about.
 */
function snapshot(value: Record<string, unknown>, field: string): unknown {
  const camel = field.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
  return field in value ? value[field] : value[camel];
}

function claimIn(value: Record<string, unknown>) {
  return { status: snapshot(value, 'status'), claimed_by: snapshot(value, 'claimed_by'), claim_expires_at: snapshot(value, 'claim_expires_at') };
}

async function current(todoId: string): Promise<Todo> {
  const response = await as(leader, 'GET', `/todos/${todoId}`);
  expect(response.status).toBe(200);
  return response.body;
}

describe('a live claim over REST', () => {
  it("refuses Bob's status change and assignment with 409 naming the holder and the expiry", async () => {
    const claim = await claimedByAda();
    for (const [method, path, body] of [
      ['PUT', `/todos/${claim.id}/status?status=in_progress`, undefined],
      ['PUT', `/todos/${claim.id}`, { status: 'in_progress' }],
      ['POST', `/todos/${claim.id}/assign`, { user_id: bob.id }],
      ['PUT', `/todos/${claim.id}`, { assigned_to: bob.id }],
    ] as const) {
      const refused = await as(bob, method, path, body);
      expect(refused.status, `${method} ${path}`).toBe(409);
      expect(refused.body.detail).toContain(ada.email);
      expect(refused.body.detail).toContain(claim.claim_expires_at);
      expect(refused.body).toMatchObject({ claimed_by: ada.id, claim_expires_at: claim.claim_expires_at, current_version: claim.version });
    }
    expect(await current(claim.id)).toMatchObject({ status: 'new', assigned_to: null, claimed_by: ada.id, version: claim.version });
    // The claim guards the workflow and the assignee, not the text: the team may still edit it.
    const edited = await as(bob, 'PUT', `/todos/${claim.id}`, { title: 'clearer title' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ claimed_by: ada.id, status: 'new' });
  });

  it("lets Ada move her own todo: the claim is renewed, and done ends it", async () => {
    const claim = await claimedByAda(5);
    const started = await as(ada, 'PUT', `/todos/${claim.id}/status`, { status: 'in_progress', expected_version: claim.version });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect(started.body.claimed_by).toBe(ada.id);
    // Renewed to the default lease (30 minutes) from now, well past the 5 minutes claimed.
    expect(Date.parse(started.body.claim_expires_at) - Date.parse(claim.claim_expires_at)).toBeGreaterThan(20 * 60_000);
    const done = await as(ada, 'PUT', `/todos/${claim.id}`, { status: 'done', expected_version: started.body.version });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'done', claimed_by: null, claim_expires_at: null });
  });

  it("ends the claim when Ada hands the todo to Bob, who may then move it", async () => {
    const claim = await claimedByAda();
    const handed = await as(ada, 'POST', `/todos/${claim.id}/assign`, { user_id: bob.id });
    expect(handed.status).toBe(200);
    expect(handed.body).toMatchObject({ assigned_to: bob.id, claimed_by: null });
    expect((await as(bob, 'PUT', `/todos/${claim.id}/status?status=in_progress`)).status).toBe(200);
  });

  it("lets a team leader or an admin overrule the claim, which releases it", async () => {
    const first = await claimedByAda();
    const moved = await as(leader, 'PUT', `/todos/${first.id}/status?status=in_progress`);
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ status: 'in_progress', claimed_by: null, claim_expires_at: null });

    const second = await claimedByAda();
    const assigned = await as(admin, 'POST', `/todos/${second.id}/assign`, { user_id: bob.id });
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ assigned_to: bob.id, claimed_by: null });
    const history = (await as(leader, 'GET', `/audit/entity/todo/${second.id}`)).body.history;
    expect(history.at(-1).action).toBe('todo.assigned');
    expect(claimIn(history.at(-1).after)).toMatchObject({ claimed_by: null });
  });

  it('treats a lapsed claim as nobody\'s: the next status change clears it', async () => {
    const claim = await claimedByAda(1);
    // A minute is the shortest lease; move its end into the past instead of waiting.
    await server.app.fastify.services.database.db.update(todos).set({ claimExpiresAt: new Date(Date.now() - 1000) }).where(eq(todos.id, claim.id));
    const moved = await as(bob, 'PUT', `/todos/${claim.id}/status?status=in_progress`);
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ claimed_by: null, claim_expires_at: null });
  });
});

describe('versions and a claim', () => {
  it('answers a claim with the new version, and a stale one with who made the current version when', async () => {
    const todo = await createTodo(server, leader, { project_id: projectId });
    const claim = await ok(adaAgent, 'mcp_claim_next_todo', { projectId, todoId: todo.id });
    const row = await current(todo.id);
    expect(claim.todo.version).toBe(todo.version + 1);
    expect(row.version).toBe(claim.todo.version);
    // Ada's own claim moved the version on: the message says it was her, not "another user".
    const own = await as(ada, 'PUT', `/todos/${todo.id}/status`, { status: 'in_progress', expected_version: todo.version });
    expect(own.status).toBe(409);
    expect(own.body).toEqual({
      detail: `Todo is at version ${row.version}, not ${todo.version}: last changed by you at ${row.updated_at}. Refresh and try again.`,
      current_version: row.version,
      updated_by: ada.id,
      updated_at: row.updated_at,
    });

    const renamed = await as(bob, 'PUT', `/todos/${todo.id}`, { title: 'renamed by Bob', expected_version: claim.todo.version });
    expect(renamed.status).toBe(200);
    const theirs = await as(ada, 'PUT', `/todos/${todo.id}`, { title: 'mine', expected_version: row.version });
    expect(theirs.status).toBe(409);
    expect(theirs.body.detail).toMatch(new RegExp(`^Todo is at version ${renamed.body.version}, not ${row.version}: last changed by .*${bob.email}.* at ${renamed.body.updated_at}`));
    expect(theirs.body).toMatchObject({ current_version: renamed.body.version, updated_by: bob.id });
  });
});

describe('REST and MCP make the same status change', () => {
  /** What a status change left behind: the row, the activity it wrote, the event the board heard. */
  async function traces(todoId: string, status: string) {
    const row = await current(todoId);
    const audit = (await as(leader, 'GET', `/audit/entity/todo/${todoId}`)).body;
    const event = await waitFor(
      () => board.received.find((item) => item.target === 'todoUpdated' && item.payload.todoId === todoId && (item.payload.changes as { status?: string }).status === status),
      `todoUpdated ${status} for ${todoId}`,
    );
    return { row, actions: audit.history.map((entry: { action: string }) => entry.action), last: audit.history.at(-1), event: event.payload };
  }

  it('renews the claim, writes one activity row and announces the claim over both', async () => {
    const overRest = await claimedByAda();
    const overMcp = await claimedByAda();
    expect((await as(ada, 'PUT', `/todos/${overRest.id}/status`, { status: 'in_progress', expected_version: overRest.version })).status).toBe(200);
    await ok(adaAgent, 'mcp_update_todo_status', { todoId: overMcp.id, status: 'in_progress', expectedVersion: overMcp.version });
    const rest = await traces(overRest.id, 'in_progress');
    const mcp = await traces(overMcp.id, 'in_progress');
    for (const { row, actions, last, event } of [rest, mcp]) {
      expect(row).toMatchObject({ status: 'in_progress', version: 3, claimed_by: ada.id, updated_by: ada.id });
      expect(Date.parse(row.claim_expires_at as string) - Date.now()).toBeGreaterThan(25 * 60_000);
      expect(actions).toEqual(['todo.created', 'todo.claimed', 'todo.status_changed']);
      expect(claimIn(last.after)).toEqual({ status: 'in_progress', claimed_by: ada.id, claim_expires_at: row.claim_expires_at });
      expect(event).toMatchObject({ userId: ada.id, changes: { status: 'in_progress', claim_expires_at: row.claim_expires_at } });
      expect(Object.keys(event.changes as object).sort()).toEqual(['claim_expires_at', 'status']);
    }
  });

  it('ends the claim on done, in the row, the activity and the event, over both', async () => {
    const ids: string[] = [];
    for (const surface of ['rest', 'mcp'] as const) {
      const claim = await claimedByAda();
      ids.push(claim.id);
      const started = await as(ada, 'PUT', `/todos/${claim.id}/status?status=in_progress`);
      if (surface === 'rest') expect((await as(ada, 'PUT', `/todos/${claim.id}/status?status=done`)).status).toBe(200);
      else await ok(adaAgent, 'mcp_update_todo_status', { todoId: claim.id, status: 'done', expectedVersion: started.body.version });
    }
    for (const id of ids) {
      const { row, actions, last, event } = await traces(id, 'done');
      expect(row).toMatchObject({ status: 'done', version: 4, claimed_by: null, claim_expires_at: null });
      expect(actions).toEqual(['todo.created', 'todo.claimed', 'todo.status_changed', 'todo.status_changed']);
      expect(claimIn(last.after)).toEqual({ status: 'done', claimed_by: null, claim_expires_at: null });
      expect(event).toMatchObject({ changes: { status: 'done', claimed_by: null, claim_expires_at: null } });
    }
  });
});
