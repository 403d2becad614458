import { request as httpRequest } from 'node:http';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer } from '../helpers/server.js';
import { type McpWorld, connectMcp, createMcpKey, mcpWorld, ok } from './helpers.js';

/** docs/security.md "MCP transports": who may reach /mcp, and how much one key may use it. */

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

interface RawAnswer {
  status: number;
  body: string;
}

/** One request with exactly these headers (fetch would not let a test set Host). */
function raw(server: TestServer, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<RawAnswer> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers: { accept: 'application/json, text/event-stream', ...(body !== undefined && { 'content-type': 'application/json' }), ...headers } },
      (res) => {
        // An SSE stream that was let through never ends by itself: its status is the answer.
        if (res.headers['content-type']?.startsWith('text/event-stream')) {
          resolve({ status: res.statusCode ?? 0, body: '' });
          res.destroy();
          return;
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const port = (server: TestServer) => new URL(server.url).port;

describe('Origin and Host (DNS rebinding)', () => {
  let server: TestServer;
  let world: McpWorld;
  const open: Client[] = [];

  beforeAll(async () => {
    server = await startServer({ FRONTEND_URL: 'https://board.example.com', MCP_ALLOWED_ORIGINS: 'https://ide.example.org' });
    world = await mcpWorld(server);
  });
  afterAll(async () => {
    await Promise.allSettled(open.map((client) => client.close()));
    await server?.close();
  });

  it('refuses a foreign Origin with 403 on every MCP path, before looking at the key', async () => {
    for (const [method, path] of [
      ['POST', '/mcp'],
      ['POST', '/v1/mcp'],
      ['GET', '/mcp/sse'],
      ['GET', '/v1/mcp/sse'],
      ['POST', '/mcp/messages?session_id=abc'],
    ] as const) {
      const answer = await raw(server, method, path, { origin: 'https://evil.example', 'x-api-key': world.key }, method === 'POST' ? INITIALIZE : undefined);
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(JSON.parse(answer.body).detail).toMatch(/^Origin 'https:\/\/evil\.example' may not call the MCP endpoints/);
    }
    const noKey = await raw(server, 'POST', '/mcp', { origin: 'https://evil.example' }, INITIALIZE);
    expect(noKey.status).toBe(403);
  });

  it('refuses a loopback Origin on another port, and the literal "null" origin', async () => {
    for (const origin of [`http://localhost:${Number(port(server)) + 1}`, 'null', 'http://127.0.0.1.evil.example']) {
      expect((await raw(server, 'POST', '/mcp', { origin, 'x-api-key': world.key }, INITIALIZE)).status, origin).toBe(403);
    }
  });

  it('refuses a Host that is not ours with 403', async () => {
    for (const host of ['evil.example', `evil.example:${port(server)}`, `localhost:${Number(port(server)) + 1}`, 'board.example.com.evil.example']) {
      const answer = await raw(server, 'POST', '/mcp', { host, 'x-api-key': world.key }, INITIALIZE);
      expect(answer.status, host).toBe(403);
      expect(JSON.parse(answer.body).detail).toMatch(/^Host '.*' is not this server's/);
    }
  });

  it('lets through no Origin, our own origins, loopback on our port, and the public hosts', async () => {
    const cases: Record<string, string>[] = [
      {},
      { origin: 'https://board.example.com' },
      { origin: 'https://ide.example.org' },
      { origin: `http://localhost:${port(server)}` },
      { origin: `http://127.0.0.1:${port(server)}` },
      { host: `localhost:${port(server)}` },
      { host: 'board.example.com' },
    ];
    for (const headers of cases) {
      const answer = await raw(server, 'POST', '/mcp', { ...headers, 'x-api-key': world.key }, INITIALIZE);
      expect(answer.status, JSON.stringify(headers)).toBe(200);
    }
  });

  it('keeps /mcp/health open to anyone, and the SDK client refused with a foreign Origin', async () => {
    expect((await raw(server, 'GET', '/mcp/health', { origin: 'https://evil.example' })).status).toBe(200);
    await expect(connectMcp(server, world.key, { headers: { origin: 'https://evil.example' } })).rejects.toThrow(/403|Origin/);
    const client = await connectMcp(server, world.key, { headers: { origin: 'https://ide.example.org' } });
    open.push(client);
    expect((await ok(client, 'mcp_list_projects')).projects.length).toBeGreaterThan(0);
  });

  it('takes "*" to switch a check off', async () => {
    const open = await startServer({ MCP_ALLOWED_ORIGINS: '*', MCP_ALLOWED_HOSTS: '*' });
    try {
      const key = await createMcpKey(open, (await mcpWorld(open)).leader);
      const answer = await raw(open, 'POST', '/mcp', { origin: 'https://evil.example', host: 'evil.example', 'x-api-key': key }, INITIALIZE);
      expect(answer.status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe('the MCP rate limit counts every message of a batch', () => {
  let server: TestServer;
  let world: McpWorld;

  beforeAll(async () => {
    server = await startServer({ RATE_LIMIT_MCP: '5' });
    world = await mcpWorld(server);
  });
  afterAll(() => server?.close());

  const batch = (size: number, offset = 0) => Array.from({ length: size }, (_, i) => ({ jsonrpc: '2.0', id: offset + i, method: 'tools/list' }));

  it('refuses a batch larger than what is left of the minute with 429 and Retry-After, per key', async () => {
    const first = await raw(server, 'POST', '/mcp', { 'x-api-key': world.key }, batch(4));
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toHaveLength(4);
    const second = await raw(server, 'POST', '/mcp', { 'x-api-key': world.key }, batch(2, 10));
    expect(second.status).toBe(429);
    expect(JSON.parse(second.body).detail).toMatch(/^Too many MCP messages for this API key \(each message of a batch counts\): try again in \d+ seconds$/);

    // Another user's key (a user has one active key: a new one revokes the old; and the
    // admin is shared by every test file on one database).
    const otherKey = await createMcpKey(server, await registerTeamMember(server, world.admin, world.team.id));
    const other = await raw(server, 'POST', '/mcp', { 'x-api-key': otherKey }, batch(5));
    expect(other.status).toBe(200);
    expect((await raw(server, 'POST', '/mcp', { 'x-api-key': otherKey }, batch(1))).status).toBe(429);
  });

  it('sends the SDK client a 429 once its key is spent', async () => {
    const key = await createMcpKey(server, world.leader);
    await expect(
      (async () => {
        const client = await connectMcp(server, key); // initialize + initialized: 2 messages
        try {
          for (let i = 0; i < 5; i += 1) await client.listTools();
        } finally {
          await client.close();
        }
      })(),
    ).rejects.toThrow(/429|Too many MCP messages/);
  });
});

describe('a per-key cap on open MCP sessions', () => {
  let server: TestServer;
  let world: McpWorld;
  const open: Client[] = [];

  beforeAll(async () => {
    server = await startServer({ MCP_MAX_SESSIONS_PER_KEY: '2' });
    world = await mcpWorld(server);
  });
  afterAll(async () => {
    await Promise.allSettled(open.map((client) => client.close()));
    await server?.close();
  });

  it('refuses a third session of one key with 429 naming the cap, over both transports, while other keys connect', async () => {
    open.push(await connectMcp(server, world.key), await connectMcp(server, world.key));
    await expect(connectMcp(server, world.key)).rejects.toThrow(/already has 2 open MCP sessions/);
    const sse = await raw(server, 'GET', '/mcp/sse', { 'x-api-key': world.key });
    expect(sse.status).toBe(429);
    expect(JSON.parse(sse.body).detail).toMatch(/already has 2 open MCP sessions/);

    const otherKey = await createMcpKey(server, await registerTeamMember(server, world.admin, world.team.id));
    const other = await connectMcp(server, otherKey);
    open.push(other);
    expect((await ok(other, 'mcp_list_projects')).projects.length).toBeGreaterThan(0);
  });

  it('lets the key open a session again once it ends one', async () => {
    const sessionId = (open[0]!.transport as StreamableHTTPClientTransport).sessionId!;
    const ended = await raw(server, 'DELETE', '/mcp', { 'x-api-key': world.key, 'mcp-session-id': sessionId });
    expect(ended.status, ended.body).toBe(200);
    const again = await connectMcp(server, world.key);
    open.push(again);
    expect((await ok(again, 'mcp_list_projects')).projects.length).toBeGreaterThan(0);
  });
});

describe('a maximum SSE session lifetime', () => {
  let server: TestServer;
  let world: McpWorld;

  beforeAll(async () => {
    server = await startServer({ MCP_SSE_MAX_LIFETIME: '1500ms' });
    world = await mcpWorld(server);
  });
  afterAll(() => server?.close());

  it('ends the stream after MCP_SSE_MAX_LIFETIME and forgets its session', async () => {
    const started = Date.now();
    const response = await fetch(`${server.url}/mcp/sse`, { headers: { 'x-api-key': world.key, accept: 'text/event-stream' } });
    expect(response.status).toBe(200);
    const text = await response.text(); // resolves only when the server ends the stream
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(15_000);
    const endpoint = /data: (\S+)/.exec(text)?.[1];
    expect(endpoint).toMatch(/^\/mcp\/messages\?session_id=/);
    const post = await server.request('POST', endpoint!, { headers: { 'x-api-key': world.key }, body: { jsonrpc: '2.0', id: 1, method: 'ping' } });
    expect(post.status).toBe(404);
  });
});
