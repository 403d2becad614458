import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { createProject, createTodo } from '../helpers/content.js';
import { type TestServer, startServer } from '../helpers/server.js';
import { RawClient, type SignalRClient, connectSignalR, waitFor } from './helpers.js';

/**
 * The fan-out as clients and operators see it: a client that stops reading is
 * dropped while the others keep receiving every change in `seq` order, and the hub's
 * traffic shows up at /metrics.
 */
describe('SignalR fan-out', () => {
  let server: TestServer;
  let admin: Session;
  let member: Session;
  let teamId: string;
  let projectId: string;

  beforeAll(async () => {
    server = await startServer();
    // Small limits so a non-reading client is over its budget after a few large events.
    server.app.fastify.realtime.configure({ maxBufferedBytes: 64 * 1024, fanOutSliceSize: 2 });
    admin = await loginAdmin(server);
    teamId = (await createTeam(server, admin)).id;
    member = await registerTeamMember(server, admin, teamId);
    projectId = await createProject(server, admin, teamId);
  });
  afterAll(async () => {
    await server.close();
  });

  async function metric(line: RegExp): Promise<number> {
    const response = await server.request('GET', '/metrics');
    expect(response.status).toBe(200);
    const match = response.text.match(line);
    return match ? Number(match[1]) : 0;
  }

  async function joinedClients(count: number): Promise<SignalRClient[]> {
    const clients = await Promise.all(Array.from({ length: count }, () => connectSignalR(server, member.token)));
    await Promise.all(clients.map((client) => client.connection.invoke('JoinProject', projectId)));
    return clients;
  }

  it('drops a client that stops reading and keeps delivering to the others, in seq order', async () => {
    const readers = await joinedClients(3);
    const slow = await RawClient.open(server, member.token);
    slow.invoke('join', 'JoinProject', [projectId]);
    expect(await slow.completion('join')).not.toHaveProperty('error');
    const dropsBefore = await metric(/^signalr_backpressure_drops_total (\d+)/m);
    // ws's public pause(): the socket is no longer read, so what the server sends piles up.
    slow.socket.pause();

    const todo = await createTodo(server, admin, { project_id: projectId });
    const big = 'x'.repeat(90_000);
    let updates = 0;
    await waitFor(
      async () => {
        const response = await server.request('PUT', `/todos/${todo.id}`, { token: admin.token, body: { description: `${updates++} ${big}` } });
        expect(response.status).toBe(200);
        return (await metric(/^signalr_backpressure_drops_total (\d+)/m)) > dropsBefore || updates >= 200;
      },
      'the non-reading client to be dropped',
      60_000,
    );
    expect(await metric(/^signalr_backpressure_drops_total (\d+)/m)).toBe(dropsBefore + 1);

    // One more change after the drop: every reader still gets everything, each in seq order.
    const last = await server.request('PUT', `/todos/${todo.id}`, { token: admin.token, body: { title: 'after the drop' } });
    expect(last.status).toBe(200);
    for (const reader of readers) {
      await reader.next('todoUpdated', (payload) => payload.todoId === todo.id && payload.version === last.body.version);
      const seqs = reader.received.filter((item) => item.target === 'todoUpdated' && item.payload.todoId === todo.id).map((item) => item.payload.seq as number);
      expect(seqs).toHaveLength(updates + 2);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
    }
    await Promise.all(readers.map((reader) => reader.stop()));
    slow.terminate();
  });

  it('counts connections, messages by type and fan-outs at /metrics', async () => {
    const sample = async () => ({
      connections: await metric(/^signalr_connections (\d+)/m),
      invocationsIn: await metric(/^signalr_messages_received_total\{type="invocation"\} (\d+)/m),
      handshakesIn: await metric(/^signalr_messages_received_total\{type="handshake"\} (\d+)/m),
      invocationsOut: await metric(/^signalr_messages_sent_total\{type="invocation"\} (\d+)/m),
      completionsOut: await metric(/^signalr_messages_sent_total\{type="completion"\} (\d+)/m),
      fanOuts: await metric(/^signalr_fanout_duration_seconds_count (\d+)/m),
    });
    // The first test's clients have gone (their close has been processed) before counting starts.
    await waitFor(async () => (await metric(/^signalr_connections (\d+)/m)) === 0, 'no open connections');
    const before = await sample();
    const [client] = (await joinedClients(1)) as [SignalRClient];
    await createTodo(server, admin, { project_id: projectId });
    await client.next('todoUpdated');
    const after = await sample();
    expect(after.connections).toBe(before.connections + 1);
    expect(after.handshakesIn).toBe(before.handshakesIn + 1);
    expect(after.invocationsIn).toBe(before.invocationsIn + 1);
    expect(after.completionsOut).toBe(before.completionsOut + 1);
    // joinedProject, and the todoUpdated the client got.
    expect(after.invocationsOut).toBeGreaterThanOrEqual(before.invocationsOut + 2);
    expect(after.fanOuts).toBeGreaterThan(before.fanOuts);

    const raw = await RawClient.open(server, member.token);
    raw.send(`{"type":6}\u001e{"type":7}\u001e`);
    await raw.closed();
    expect(await metric(/^signalr_messages_received_total\{type="ping"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(await metric(/^signalr_messages_received_total\{type="close"\} (\d+)/m)).toBeGreaterThanOrEqual(1);

    await client.stop();
    await waitFor(async () => (await metric(/^signalr_connections (\d+)/m)) === before.connections, 'the gauge to count the client out');
  });
});
