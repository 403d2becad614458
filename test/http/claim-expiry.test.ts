import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { todos } from '../../src/db/schema.js';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { createProject, createTodo } from '../helpers/content.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';
import { connectMcp, createMcpKey, ok } from '../mcp/helpers.js';
import { type SignalRClient, connectSignalR } from '../realtime/helpers.js';

/**
 * The `maintenance.expired-claims` job (docs/email-and-jobs.md): a claim whose lease
 * ran out is cleared from the row, written to the audit trail as the holder's, and
 * announced to the board; a live claim is left alone.
 */
let server: TestServer;
let leader: Session;
let ada: Session;
let projectId: string;
let adaAgent: Client;
let board: SignalRClient;

beforeAll(async () => {
  server = await startServer({
    CLAIM_EXPIRY_INTERVAL_MS: '200',
    // Its own queue on Redis, so this server's fast schedule is not shared with other files' servers.
    REDIS_KEY_PREFIX: `${inject('redisPrefix') ?? 'test:'}${unique('claims-')}:`,
  });
  const admin = await loginAdmin(server);
  const teamId = (await createTeam(server, admin)).id;
  leader = await registerTeamMember(server, admin, teamId, 'team_leader');
  ada = await registerTeamMember(server, leader, teamId);
  projectId = await createProject(server, leader, teamId);
  adaAgent = await connectMcp(server, await createMcpKey(server, ada));
  board = await connectSignalR(server, leader.token);
  await board.connection.invoke('JoinProject', projectId);
});

afterAll(async () => {
  await Promise.allSettled([adaAgent?.close(), board?.stop()]);
  await server?.close();
});

async function claimedByAda(): Promise<{ id: string; version: number }> {
  const todo = await createTodo(server, leader, { project_id: projectId });
  const answer = await ok(adaAgent, 'mcp_claim_next_todo', { projectId, todoId: todo.id, leaseMinutes: 5 });
  expect(answer.claimed).toBe(true);
  return answer.todo;
}

const lapse = (todoId: string) =>
  // A minute is the shortest lease; move its end into the past instead of waiting.
  server.app.fastify.services.database.db.update(todos).set({ claimExpiresAt: new Date(Date.now() - 1000) }).where(eq(todos.id, todoId));

const clearedOnBoard = (todoId: string) =>
  board.next('todoUpdated', (payload) => payload.todoId === todoId && (payload.changes as Record<string, unknown>)?.claimed_by === null);

async function expiries(todoId: string): Promise<{ actor: { id: string } }[]> {
  const history = await server.request('GET', `/audit/entity/todo/${todoId}`, { token: leader.token });
  expect(history.status).toBe(200);
  return history.body.history.filter((entry: { action: string }) => entry.action === 'todo.claim_expired');
}

describe('lapsed claims', () => {
  it('are cleared by the job, once: the row, the audit trail (as the holder’s) and the board say so; live ones stay', async () => {
    const lapsing = await claimedByAda();
    const live = await claimedByAda();
    await lapse(lapsing.id);

    const event = await clearedOnBoard(lapsing.id);
    expect(event).toMatchObject({ projectId, userId: ada.id, changes: { claimed_by: null, claim_expires_at: null } });
    const row = await server.request('GET', `/todos/${lapsing.id}`, { token: leader.token });
    expect(row.body).toMatchObject({ claimed_by: null, claim_expires_at: null, version: lapsing.version + 1 });
    const expired = await expiries(lapsing.id);
    expect(expired).toHaveLength(1);
    expect(expired[0]!.actor.id).toBe(ada.id);

    // A later run, known to have happened because it clears a claim lapsed only now:
    // it left the live claim alone and did not clear the first one again.
    const probe = await claimedByAda();
    await lapse(probe.id);
    await clearedOnBoard(probe.id);
    const stillHeld = await server.request('GET', `/todos/${live.id}`, { token: leader.token });
    expect(stillHeld.body).toMatchObject({ claimed_by: ada.id, version: live.version });
    expect(await expiries(lapsing.id)).toHaveLength(1);
    expect((await server.request('GET', `/todos/${lapsing.id}`, { token: leader.token })).body.version).toBe(lapsing.version + 1);
  });
});
