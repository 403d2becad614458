import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerLeader } from '../helpers/actors.js';
import { createProject } from '../helpers/content.js';
import { type TestServer, startServer } from '../helpers/server.js';
import { type TransportKind, callTool, connectMcp, ok } from './helpers.js';

/**
 * An open MCP session acts as its key and user are now: every call is decided with
 * the role the user has at that moment, and a key that stops working, or a user who
 * is deactivated or deleted, ends the sessions they had open.
 */

const STREAM_END_MS = 5_000;

async function newKey(server: TestServer, user: Session): Promise<{ id: string; plaintext: string }> {
  const response = await server.request('POST', '/mcp-keys', { token: user.token, body: {} });
  expect(response.status, response.text).toBe(201);
  return { id: response.body.key.id, plaintext: response.body.plain_text_key };
}

async function setRole(server: TestServer, admin: Session, userId: string, role: 'admin' | 'member'): Promise<void> {
  const response = await server.request('PUT', `/admin/users/${userId}/role`, { token: admin.token, body: { role } });
  expect(response.status, response.text).toBe(200);
}

/** Whether the stream's body ends within `ms` (a session closed by the server ends it). */
async function endsWithin(response: Response, ms: number): Promise<boolean> {
  const reader = response.body!.getReader();
  const timeout = new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), ms).unref());
  for (;;) {
    const next = await Promise.race([reader.read().catch(() => ({ done: true as const })), timeout]);
    if (next === 'open') {
      await reader.cancel().catch(() => undefined);
      return false;
    }
    if (next.done) return true;
  }
}

interface OpenSession {
  /** The long-lived stream the server pushes on: the legacy SSE stream, or the Streamable HTTP GET stream. */
  stream: Response;
  /** A tools/call in that session, with the key it was opened with. */
  call(): Promise<Response>;
}

/** A session opened the way a client does it, kept open on its server-to-client stream. */
async function openSession(server: TestServer, key: string, kind: TransportKind): Promise<OpenSession> {
  const rpc = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'mcp_list_teams', arguments: {} } };
  if (kind === 'sse') {
    const stream = await fetch(`${server.url}/mcp/sse`, { headers: { 'x-api-key': key, accept: 'text/event-stream' } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    reader.releaseLock();
    const endpoint = /data: (\S+)/.exec(first)![1]!;
    return {
      stream,
      call: () => fetch(`${server.url}${endpoint}`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(rpc) }),
    };
  }
  const headers = { 'x-api-key': key, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
  const opened = await fetch(`${server.url}/mcp`, { method: 'POST', headers, body: JSON.stringify(initialize) });
  expect(opened.status).toBe(200);
  await opened.text();
  const sessionId = opened.headers.get('mcp-session-id')!;
  const inSession = { ...headers, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-03-26' };
  const initialized = await fetch(`${server.url}/mcp`, { method: 'POST', headers: inSession, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  expect(initialized.status).toBe(202);
  const stream = await fetch(`${server.url}/mcp`, { headers: { ...inSession, accept: 'text/event-stream' } });
  expect(stream.status).toBe(200);
  return { stream, call: () => fetch(`${server.url}/mcp`, { method: 'POST', headers: inSession, body: JSON.stringify(rpc) }) };
}

describe('MCP sessions act as the caller is now', () => {
  let server: TestServer;
  let admin: Session;
  let otherProjectId: string;

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    const otherTeam = await createTeam(server, admin);
    otherProjectId = await createProject(server, admin, otherTeam.id);
  });

  afterAll(async () => {
    await server?.close();
  });

  describe.each<TransportKind>(['streamable', 'sse'])('over %s', (kind) => {
    it('refuses another team’s project on the next call of an open session once its admin is demoted', async () => {
      const user = await registerLeader(server, admin);
      await setRole(server, admin, user.id, 'admin');
      const client = await connectMcp(server, (await newKey(server, user)).plaintext, { kind });
      try {
        const seen = await ok(client, 'mcp_get_project_context', { projectId: otherProjectId, summaryOnly: true });
        expect(JSON.stringify(seen)).toContain(otherProjectId);

        await setRole(server, admin, user.id, 'member');
        const read = await callTool(client, 'mcp_get_project_context', { projectId: otherProjectId, summaryOnly: true });
        expect(read.isError, read.text).toBe(true);
        expect(read.body).toMatchObject({ error: 'Project not found', status: 404 });
        const write = await callTool(client, 'mcp_update_project', { projectId: otherProjectId, description: 'still admin?' });
        expect(write.isError, write.text).toBe(true);
        expect(write.body).toMatchObject({ error: 'Project not found', status: 404 });

        // Promoted again, the same session sees it again: nothing was frozen either way.
        await setRole(server, admin, user.id, 'admin');
        await ok(client, 'mcp_get_project_context', { projectId: otherProjectId, summaryOnly: true });
      } finally {
        await client.close();
      }
    });

    const endings: [string, (user: Session, key: { id: string }) => Promise<{ status: number; text: string }>][] = [
      ['the key is revoked', (user, key) => server.request('POST', `/mcp-keys/${key.id}/revoke`, { token: user.token })],
      ['the key is replaced by a new one', (user) => server.request('POST', '/mcp-keys/regenerate', { token: user.token, body: {} })],
      ['the key is deleted', (user, key) => server.request('DELETE', `/mcp-keys/${key.id}`, { token: user.token })],
      ['the user is deactivated', (user) => server.request('PUT', `/admin/users/${user.id}`, { token: admin.token, body: { is_active: false } })],
      ['the user is deleted', (user) => server.request('DELETE', `/admin/users/${user.id}`, { token: admin.token })],
    ];

    it.each(endings)('closes the open session and refuses its next call when %s', async (_name, end) => {
      const user = await registerLeader(server, admin);
      const key = await newKey(server, user);
      const session = await openSession(server, key.plaintext, kind);
      const before = await session.call();
      expect(before.status).toBeLessThan(300);
      await before.text();

      const ended = await end(user, key);
      expect(ended.status, ended.text).toBeLessThan(300);

      expect(await endsWithin(session.stream, STREAM_END_MS)).toBe(true);
      const after = await session.call();
      expect(after.status).toBe(401);
    });
  });
});

// Two instances on one PostgreSQL database, events carried by Redis: the stack where
// a session lives on one instance and the change happens on another.
describe.runIf(Boolean(inject('redisUrl')) && Boolean(inject('databaseUrl')))('MCP sessions across instances', () => {
  let a: TestServer;
  let b: TestServer;
  let admin: Session;
  let otherProjectId: string;

  beforeAll(async () => {
    [a, b] = await Promise.all([startServer(), startServer()]);
    admin = await loginAdmin(b);
    otherProjectId = await createProject(b, admin, (await createTeam(b, admin)).id);
  });

  afterAll(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
  });

  it.each<TransportKind>(['streamable', 'sse'])('closes a %s session on instance A when its key is revoked through instance B', async (kind) => {
    const user = await registerLeader(b, admin);
    const key = await newKey(b, user);
    const session = await openSession(a, key.plaintext, kind);
    const revoked = await b.request('POST', `/mcp-keys/${key.id}/revoke`, { token: user.token });
    expect(revoked.status, revoked.text).toBe(204);
    expect(await endsWithin(session.stream, STREAM_END_MS)).toBe(true);
    expect((await session.call()).status).toBe(401);
  });

  it('refuses another team’s project in a session on instance A once its admin is demoted through instance B', async () => {
    const user = await registerLeader(b, admin);
    await setRole(b, admin, user.id, 'admin');
    const client = await connectMcp(a, (await newKey(b, user)).plaintext);
    try {
      await ok(client, 'mcp_get_project_context', { projectId: otherProjectId, summaryOnly: true });
      await setRole(b, admin, user.id, 'member');
      // The relay delivers the event to A after B's answer: wait until A has heard it.
      await expect
        .poll(async () => (await callTool(client, 'mcp_get_project_context', { projectId: otherProjectId, summaryOnly: true })).body?.status, { timeout: 5_000 })
        .toBe(404);
    } finally {
      await client.close();
    }
  });
});
