import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer } from '../helpers/server.js';
import { type McpWorld, createMcpKey, mcpWorld, ok } from './helpers.js';

// Json-RPC answers are whatever the server sent; the test asserts on their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** One JSON-RPC request straight over HTTP, carrying a session id: what a client does after any instance initialized it. */
async function rpc(server: TestServer, key: string, sessionId: string, method: string, params: Record<string, unknown> = {}) {
  const response = await fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'x-api-key': key,
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2025-06-18',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }),
  });
  const text = await response.text();
  // Session answers come as an SSE event, stateless ones as JSON.
  const data = text.startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? '');
  let body: Json;
  try {
    body = data ? JSON.parse(data) : undefined;
  } catch {
    body = text;
  }
  return { status: response.status, sessionHeader: response.headers.get('mcp-session-id'), body };
}

function toolJson(body: Json): Json {
  return JSON.parse(body.result.content[0].text);
}

// Session persistence needs what it persists to: Redis shared by two app instances on
// one PostgreSQL database (PGlite is one process's own). The suite runs on that stack
// (DATABASE_URL and REDIS_URL set, see docs/development.md) and only there.
describe.runIf(Boolean(inject('redisUrl')) && Boolean(inject('databaseUrl')))('MCP sessions kept in Redis across instances', () => {
  let first: TestServer;
  let second: TestServer;
  let world: McpWorld;
  let otherKey: string;

  beforeAll(async () => {
    first = await startServer();
    second = await startServer();
    world = await mcpWorld(first);
    const admin = await loginAdmin(first);
    const otherTeam = await createTeam(first, admin);
    otherKey = await createMcpKey(first, await registerTeamMember(first, admin, otherTeam.id, 'team_leader'));
  });
  afterAll(async () => {
    await Promise.allSettled([first?.close(), second?.close()]);
  });

  it('serves a session opened on one instance from another, for the same key only, and after a restart', async () => {
    const client = new Client({ name: 'intracker-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${first.url}/mcp?tools=core`), { requestInit: { headers: { 'x-api-key': world.key } } });
    await client.connect(transport);
    const sessionId = transport.sessionId;
    expect(sessionId).toBeTruthy();
    expect((await ok(client, 'mcp_list_projects')).projects.map((p: { id: string }) => p.id)).toEqual([world.projectId]);

    // Another key on the other instance: refused, not re-created and not stateless.
    const stranger = await rpc(second, otherKey, sessionId!, 'tools/call', { name: 'mcp_list_projects', arguments: {} });
    expect(stranger.status).toBe(403);

    // The same key on the other instance: the session, re-created there (its id comes back).
    const elsewhere = await rpc(second, world.key, sessionId!, 'tools/call', { name: 'mcp_list_projects', arguments: {} });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.sessionHeader).toBe(sessionId);
    expect(toolJson(elsewhere.body).projects.map((p: { id: string }) => p.id)).toEqual([world.projectId]);
    const listed = await rpc(second, world.key, sessionId!, 'tools/list');
    expect(listed.sessionHeader).toBe(sessionId);
    expect(listed.body.result.tools.length).toBeGreaterThan(0);

    // The first instance still serves it too.
    expect((await ok(client, 'mcp_list_projects')).projects).toHaveLength(1);
    await transport.close();

    // A restart: the first instance goes away and a new one knows the session from Redis.
    await first.close();
    first = await startServer();
    const restarted = await rpc(first, world.key, sessionId!, 'tools/call', { name: 'mcp_list_projects', arguments: {} });
    expect(restarted.status).toBe(200);
    expect(restarted.sessionHeader).toBe(sessionId);
    expect(toolJson(restarted.body).projects.map((p: { id: string }) => p.id)).toEqual([world.projectId]);
    expect((await rpc(first, otherKey, sessionId!, 'tools/list')).status).toBe(403);
  });

  it('forgets a session the client deleted', async () => {
    const client = new Client({ name: 'intracker-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${first.url}/mcp`), { requestInit: { headers: { 'x-api-key': world.key } } });
    await client.connect(transport);
    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    await transport.close();
    // Unknown everywhere now: served statelessly (no session id in the answer), as without Redis.
    const after = await rpc(second, world.key, sessionId, 'tools/call', { name: 'mcp_list_projects', arguments: {} });
    expect(after.status).toBe(200);
    expect(after.sessionHeader).toBeNull();
    expect(toolJson(after.body).projects).toHaveLength(1);
  });
});
