import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Session, loginAdmin } from '../helpers/actors.js';
import { type TestServer, startServer } from '../helpers/server.js';
import { RawClient, type SignalRClient, connectSignalR } from './helpers.js';

const RS = '\u001e';
const SOME_PROJECT = '00000000-0000-4000-8000-000000000000';

/**
 * What a broken or hostile client may send. Each case ends in a Completion error
 * (the connection lives on) or a Close with the reason; either way the server and a
 * bystander connection carry on.
 */
describe('SignalR hub under bad input', () => {
  let server: TestServer;
  let admin: Session;
  let bystander: SignalRClient;

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    bystander = await connectSignalR(server, admin.token);
  });
  afterEach(async () => {
    // The bystander still gets answers and the HTTP side still serves.
    await expect(bystander.connection.invoke('LeaveProject', SOME_PROJECT)).resolves.toBeUndefined();
    expect((await server.request('GET', '/health')).status).toBe(200);
  });
  afterAll(async () => {
    await bystander.stop();
    await server.close();
  });

  async function expectClosedWith(client: RawClient, reason: RegExp): Promise<void> {
    expect((await client.closeMessage()).error).toMatch(reason);
    await client.closed();
  }

  it('closes on a garbage frame with the reason', async () => {
    const client = await RawClient.open(server, admin.token);
    client.send(`this is not json${RS}`);
    await expectClosedWith(client, /not a JSON object/);
  });

  it('closes on an unknown message type with the reason', async () => {
    const client = await RawClient.open(server, admin.token);
    client.send(`{"type":42}${RS}`);
    await expectClosedWith(client, /Unknown message type: 42/);
  });

  it('closes on a binary frame (the json protocol is text)', async () => {
    const client = await RawClient.open(server, admin.token);
    client.send(Buffer.from([1, 2, 3, 0x1e]));
    await expectClosedWith(client, /Binary messages are not supported/);
  });

  it('answers an unknown hub method with a Completion error and stays open', async () => {
    const client = await RawClient.open(server, admin.token);
    client.invoke('1', 'DropAllTables', []);
    expect((await client.completion('1')).error).toMatch(/'DropAllTables'.*does not exist/);
    client.invoke('2', 'LeaveProject', [SOME_PROJECT]);
    expect(await client.completion('2')).toEqual({ type: 3, invocationId: '2' });
    client.terminate();
  });

  it('answers wrong argument counts and types with Completion errors', async () => {
    const client = await RawClient.open(server, admin.token);
    client.invoke('1', 'JoinProject', []);
    client.invoke('2', 'JoinProject', [SOME_PROJECT, 'extra']);
    client.invoke('3', 'SendUserActivity', [SOME_PROJECT]);
    client.invoke('4', 'JoinProject', [{ nested: ['x'] }]);
    expect((await client.completion('1')).error).toMatch(/provides 0 argument\(s\) but the method expects 1/);
    expect((await client.completion('2')).error).toMatch(/provides 2 argument\(s\)/);
    expect((await client.completion('3')).error).toMatch(/expects 2 to 3/);
    expect((await client.completion('4')).error).toMatch(/Project not found/);
    client.terminate();
  });

  it('answers a streaming invocation with a Completion error', async () => {
    const client = await RawClient.open(server, admin.token);
    client.send(`{"type":4,"invocationId":"s1","target":"JoinProject","arguments":[]}${RS}`);
    expect((await client.completion('s1')).error).toMatch(/Streaming hub methods are not supported/);
    client.terminate();
  });

  it('closes on a message over 64 KiB with the reason', async () => {
    const client = await RawClient.open(server, admin.token);
    const action = 'x'.repeat(70 * 1024);
    client.send(JSON.stringify({ type: 1, invocationId: '1', target: 'SendUserActivity', arguments: [SOME_PROJECT, action] }) + RS);
    await expectClosedWith(client, /exceeds the limit of 65536 bytes/);
  });

  it('closes on an unterminated record growing past the limit', async () => {
    const client = await RawClient.open(server, admin.token);
    for (let i = 0; i < 3; i += 1) client.send(`{"type":1,"target":"${'y'.repeat(30 * 1024)}`);
    await expectClosedWith(client, /Unterminated record/);
  });

  it('refuses an invocation flood: Completion errors past the burst, then a Close', async () => {
    const hub = server.app.fastify.realtime;
    const saved = { ...hub.options };
    hub.configure({ invocationBurst: 10, invocationsPerSecond: 5 });
    try {
      const client = await RawClient.open(server, admin.token);
      let flood = '';
      for (let i = 0; i < 100; i += 1) flood += JSON.stringify({ type: 1, invocationId: `${i}`, target: 'LeaveProject', arguments: [SOME_PROJECT] }) + RS;
      client.send(flood);
      await expectClosedWith(client, /Too many invocations/);
      const errors = client.records.filter((record) => record.type === 3 && typeof record.error === 'string');
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]!.error).toMatch(/Rate limit exceeded/);
    } finally {
      hub.configure(saved);
    }
  });
});
