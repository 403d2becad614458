import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { todos } from '../../src/db/schema.js';
import { type Session, registerTeamMember } from '../helpers/actors.js';
import { createProject } from '../helpers/content.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';
import { type McpWorld, connectMcp, createMcpKey, fails, mcpWorld, ok } from './helpers.js';

let server: TestServer;
let world: McpWorld;
let agents: Client[] = [];

beforeAll(async () => {
  server = await startServer();
  world = await mcpWorld(server);
  // Four agents of two users, each with its own MCP session.
  const colleague = await registerTeamMember(server, world.leader, world.team.id);
  const colleagueKey = await createMcpKey(server, colleague);
  agents = await Promise.all([
    connectMcp(server, world.key),
    connectMcp(server, world.key, { kind: 'sse' }),
    connectMcp(server, colleagueKey),
    connectMcp(server, colleagueKey, { kind: 'sse' }),
  ]);
});

afterAll(async () => {
  await Promise.allSettled(agents.map((agent) => agent.close()));
  await server?.close();
});

async function projectWithTodos(count: number): Promise<{ projectId: string; todoIds: string[] }> {
  const agent = agents[0]!;
  const project = await ok(agent, 'mcp_create_project', { name: unique('race-'), teamId: world.team.id });
  const todoIds: string[] = [];
  for (let index = 0; index < count; index += 1) {
    todoIds.push((await ok(agent, 'mcp_create_todo', { projectId: project.id, title: `race ${index}` })).id);
  }
  return { projectId: project.id, todoIds };
}

async function claimInParallel(projectId: string, claims: number): Promise<{ claimed: string[]; noneLeft: number }> {
  const answers = await Promise.all(
    Array.from({ length: claims }, (_, index) => ok(agents[index % agents.length]!, 'mcp_claim_next_todo', { projectId })),
  );
  return {
    claimed: answers.filter((answer) => answer.claimed).map((answer) => answer.todo.id as string),
    noneLeft: answers.filter((answer) => !answer.claimed).length,
  };
}

describe('mcp_claim_next_todo under contention', () => {
  it('gives 20 parallel claims 20 distinct todos', async () => {
    const { projectId, todoIds } = await projectWithTodos(22);
    const { claimed, noneLeft } = await claimInParallel(projectId, 20);
    expect(noneLeft).toBe(0);
    expect(claimed).toHaveLength(20);
    expect(new Set(claimed).size).toBe(20);
    for (const id of claimed) expect(todoIds).toContain(id);
  });

  it('answers "none left" once every todo is claimed, never the same todo twice', async () => {
    const { projectId } = await projectWithTodos(12);
    const { claimed, noneLeft } = await claimInParallel(projectId, 20);
    expect(claimed).toHaveLength(12);
    expect(new Set(claimed).size).toBe(12);
    expect(noneLeft).toBe(8);
  });
});

describe('a live claim over MCP', () => {
  let ada: Session;
  let bob: Session;
  let adaAgent: Client;
  let bobAgent: Client;
  let leaderAgent: Client;

  beforeAll(async () => {
    ada = await registerTeamMember(server, world.leader, world.team.id);
    bob = await registerTeamMember(server, world.leader, world.team.id);
    [adaAgent, bobAgent, leaderAgent] = await Promise.all([
      createMcpKey(server, ada).then((key) => connectMcp(server, key)),
      createMcpKey(server, bob).then((key) => connectMcp(server, key, { kind: 'sse' })),
      connectMcp(server, world.key),
    ]);
    agents.push(adaAgent, bobAgent, leaderAgent);
  });

  /** A new todo of the world's project that Ada's agent has claimed, as the claim answered it. */
  async function claimedByAda(leaseMinutes = 5): Promise<{ id: string; version: number; claim_expires_at: string }> {
    const todo = await ok(leaderAgent, 'mcp_create_todo', { projectId: world.projectId, title: unique('claimed-') });
    const answer = await ok(adaAgent, 'mcp_claim_next_todo', { projectId: world.projectId, todoId: todo.id, leaseMinutes });
    return answer.todo;
  }

  /** The `after` of the todo's newest activity row, by wire or row field names. */
  async function lastActivity(todoId: string) {
    const audit = await server.request('GET', `/audit/entity/todo/${todoId}`, { token: world.leader.token });
    const after = audit.body.history.at(-1).after as Record<string, unknown>;
    const field = (snake: string, camel: string) => (snake in after ? after[snake] : after[camel]);
    return { claimed_by: field('claimed_by', 'claimedBy'), claim_expires_at: field('claim_expires_at', 'claimExpiresAt') };
  }

  async function row(todoId: string) {
    const response = await server.request('GET', `/todos/${todoId}`, { token: world.leader.token });
    return response.body;
  }

  it("refuses Bob's status change and assignment with a conflict naming the holder and the expiry", async () => {
    const claim = await claimedByAda();
    for (const [tool, args] of [
      ['mcp_update_todo_status', { todoId: claim.id, status: 'in_progress' }],
      ['mcp_update_todo_status', { todoId: claim.id, status: 'in_progress', expectedVersion: claim.version }],
      ['mcp_assign_todo', { todoId: claim.id, userId: bob.id }],
    ] as const) {
      const refused = await fails(bobAgent, tool, args);
      expect(refused.body).toMatchObject({ status: 409, claimed_by: ada.id, claim_expires_at: claim.claim_expires_at, current_version: claim.version });
      expect(refused.body.error).toContain(ada.email);
      expect(refused.body.error).toContain(claim.claim_expires_at);
    }
    expect(await row(claim.id)).toMatchObject({ status: 'new', assigned_to: null, claimed_by: ada.id, version: claim.version });
    // Nor can Bob give Ada's claim up for her.
    expect((await fails(bobAgent, 'mcp_release_todo', { todoId: claim.id })).body).toMatchObject({ status: 409, claimed_by: ada.id });
  });

  it("renews Ada's claim on her own status change and ends it on done", async () => {
    const claim = await claimedByAda(5);
    const started = await ok(adaAgent, 'mcp_update_todo_status', { todoId: claim.id, status: 'in_progress', expectedVersion: claim.version });
    expect(started.claimed_by).toBe(ada.id);
    expect(Date.parse(started.claim_expires_at) - Date.parse(claim.claim_expires_at)).toBeGreaterThan(20 * 60_000);
    // The renewal is part of the change: the answer is the row as stored, with its version.
    expect(await row(claim.id)).toMatchObject({ version: started.version, claim_expires_at: started.claim_expires_at });
    // …and so is its activity row: the audit trail shows the lease the change set.
    expect(await lastActivity(claim.id)).toEqual({ claimed_by: ada.id, claim_expires_at: started.claim_expires_at });
    const done = await ok(adaAgent, 'mcp_update_todo_status', { todoId: claim.id, status: 'done', expectedVersion: started.version });
    expect(done.claimed_by).toBeUndefined();
    expect(await row(claim.id)).toMatchObject({ status: 'done', claimed_by: null, claim_expires_at: null, version: started.version + 1 });
    expect(await lastActivity(claim.id)).toEqual({ claimed_by: null, claim_expires_at: null });
  });

  it("lets the team leader's change overrule the claim and release it, and the leader release it outright", async () => {
    const moved = await claimedByAda();
    const answer = await ok(leaderAgent, 'mcp_update_todo_status', { todoId: moved.id, status: 'in_progress', expectedVersion: moved.version });
    expect(answer).toMatchObject({ status: 'in_progress', version: moved.version + 1 });
    expect(await row(moved.id)).toMatchObject({ claimed_by: null, claim_expires_at: null });

    const released = await claimedByAda();
    await ok(leaderAgent, 'mcp_release_todo', { todoId: released.id });
    expect(await row(released.id)).toMatchObject({ status: 'new', claimed_by: null });
  });

  it('answers a stale expectedVersion with the current version and who made it when', async () => {
    const claim = await claimedByAda();
    await ok(leaderAgent, 'mcp_create_todo', { projectId: world.projectId, title: 'unrelated' });
    const renamed = await server.request('PUT', `/todos/${claim.id}`, { token: bob.token, body: { title: 'renamed by Bob' } });
    const stale = await fails(adaAgent, 'mcp_update_todo_status', { todoId: claim.id, status: 'in_progress', expectedVersion: claim.version });
    expect(stale.body).toMatchObject({ status: 409, current_version: renamed.body.version, updated_by: bob.id, updated_at: renamed.body.updated_at });
    expect(stale.body.error).toContain(`Todo is at version ${renamed.body.version}, not ${claim.version}: last changed by`);
    expect(stale.body.error).toContain(bob.email);
  });
});

describe('mcp_get_active_todos', () => {
  it('finds the todo you can take behind more than a thousand you cannot', async () => {
    const other = await registerTeamMember(server, world.leader, world.team.id);
    const projectId = await createProject(server, world.leader, world.team.id);
    const yours = await ok(agents[0]!, 'mcp_create_todo', { projectId, title: 'yours' });
    await server.request('PUT', `/todos/${yours.id}`, { token: world.leader.token, body: { position: 1 } });
    // A thousand todos ahead of yours in board order (position 0 before 1), all assigned
    // to someone else. Written straight to the table: through the API they would take
    // ten seconds on this machine, and how they were made is not what is tested here.
    await server.app.fastify.services.database.db.insert(todos).values(
      Array.from({ length: 1000 }, (_, index) => ({
        projectId,
        elementId: yours.element_id,
        title: `theirs ${index}`,
        position: 0,
        assignedTo: other.id,
      })),
    );
    const active = await ok(agents[0]!, 'mcp_get_active_todos', { projectId });
    expect(active.todos.map((todo: { id: string }) => todo.id)).toEqual([yours.id]);
    expect(active.count).toBe(1);
    const theirsListed = await ok(agents[0]!, 'mcp_get_active_todos', { projectId, userId: other.id });
    expect(theirsListed.count).toBe(1000);
  });
});
