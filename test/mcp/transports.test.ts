import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startServer } from '../helpers/server.js';
import { type McpWorld, callTool, connectMcp, createMcpKey, fails, mcpWorld, ok } from './helpers.js';

let server: TestServer;
let world: McpWorld;
const open: Client[] = [];

async function connect(...args: Parameters<typeof connectMcp> extends [unknown, unknown, ...infer Rest] ? Rest : never): Promise<Client> {
  const client = await connectMcp(server, world.key, ...args);
  open.push(client);
  return client;
}

beforeAll(async () => {
  server = await startServer();
  world = await mcpWorld(server);
});

afterAll(async () => {
  await Promise.allSettled(open.map((client) => client.close()));
  await server?.close();
});

describe('MCP endpoints', () => {
  it('answers health without a key, unprefixed and under /v1', async () => {
    for (const path of ['/mcp/health', '/v1/mcp/health']) {
      const response = await server.request('GET', path);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'ok', service: 'intracker-mcp-server' });
    }
  });

  it('refuses requests without a key or with a bad one with 401 {detail}', async () => {
    const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
    const accept = { accept: 'application/json, text/event-stream' };
    for (const prefix of ['', '/v1']) {
      const missing = await server.request('POST', `${prefix}/mcp`, { body: initialize, headers: accept });
      expect(missing.status).toBe(401);
      expect(missing.body).toEqual({ detail: 'Missing API key' });
      const bad = await server.request('POST', `${prefix}/mcp`, { body: initialize, headers: { ...accept, 'x-api-key': 'intracker_mcp_nope' } });
      expect(bad.status).toBe(401);
      expect(bad.body).toEqual({ detail: 'Invalid API key' });
      const badBearer = await server.request('GET', `${prefix}/mcp/sse`, { headers: { authorization: 'Bearer intracker_mcp_nope' } });
      expect(badBearer.status).toBe(401);
      expect(badBearer.body).toEqual({ detail: 'Invalid API key' });
      const sseMissing = await server.request('GET', `${prefix}/mcp/sse`);
      expect(sseMissing.body).toEqual({ detail: 'Missing API key' });
      const post = await server.request('POST', `${prefix}/mcp/messages?session_id=x`, { body: {} });
      expect(post.status).toBe(401);
    }
  });

  it('refuses an unknown tool profile with 400', async () => {
    const response = await server.request('GET', '/mcp/sse?tools=everything', { headers: { 'x-api-key': world.key } });
    expect(response.status).toBe(400);
    expect(response.body.detail).toMatch(/core, standard, all/);
  });

  it('serves a Streamable HTTP session with X-API-Key, and with Authorization: Bearer under /v1', async () => {
    const viaHeader = await connect({});
    expect((await ok(viaHeader, 'mcp_list_projects')).projects.map((p: { id: string }) => p.id)).toContain(world.projectId);
    const viaBearer = await connect({ prefix: '/v1', bearer: true });
    expect((await ok(viaBearer, 'mcp_get_resume_context', { projectId: world.projectId })).project.id).toBe(world.projectId);
  });

  it('serves the resources and prompts over the real endpoint too', async () => {
    const client = await connect({});
    const { resources } = await client.listResources();
    expect(resources.map((resource) => resource.uri)).toContain(`intracker://project/${world.projectId}`);
    const { prompts } = await client.listPrompts();
    expect(prompts.map((prompt) => prompt.name)).toContain('resume_work');
  });

  it('binds the connection to the X-Project-Id project and refuses a malformed one', async () => {
    const client = await connect({ headers: { 'x-project-id': world.projectId } });
    expect((await ok(client, 'mcp_create_todo', { title: 'bound by header' })).project_id).toBe(world.projectId);
    const bad = await server.request('GET', '/mcp/sse', { headers: { 'x-api-key': world.key, 'x-project-id': 'nope' } });
    expect(bad.status).toBe(400);
  });

  it('serves legacy SSE end to end, the endpoint keeping the prefix the client used', async () => {
    for (const prefix of ['', '/v1']) {
      const controller = new AbortController();
      const response = await fetch(`${server.url}${prefix}/mcp/sse`, { headers: { 'x-api-key': world.key, accept: 'text/event-stream' }, signal: controller.signal });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      const { value } = await reader.read();
      const first = new TextDecoder().decode(value);
      expect(first).toMatch(new RegExp(`^event: endpoint\\ndata: ${prefix}/mcp/messages\\?session_id=[0-9a-f]{32}\\n`));
      controller.abort();

      const client = await connect({ kind: 'sse', prefix });
      const listed = await ok(client, 'mcp_list_projects');
      expect(listed.projects.map((p: { id: string }) => p.id)).toContain(world.projectId);
      const created = await ok(client, 'mcp_create_todo', { projectId: world.projectId, title: `via sse ${prefix}` });
      expect(created.version).toBe(1);
    }
  });

  it('answers POST /mcp/messages for an unknown session with 404 and without session_id with 400', async () => {
    const unknown = await server.request('POST', '/mcp/messages?session_id=deadbeef', { body: { jsonrpc: '2.0', id: 1, method: 'ping' }, headers: { 'x-api-key': world.key } });
    expect(unknown.status).toBe(404);
    const missing = await server.request('POST', '/mcp/messages', { body: { jsonrpc: '2.0', id: 1, method: 'ping' }, headers: { 'x-api-key': world.key } });
    expect(missing.status).toBe(400);
  });

  it('serves stateless POSTs without a session, and an unknown session id instead of a dead end', async () => {
    const headers = { 'x-api-key': world.key, accept: 'application/json, text/event-stream' };
    const call = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'mcp_list_projects', arguments: {} } };
    const stateless = await server.request('POST', '/mcp', { body: call, headers });
    expect(stateless.status, stateless.text).toBe(200);
    expect(JSON.parse(stateless.body.result.content[0].text).projects.length).toBeGreaterThan(0);
    const unknown = await server.request('POST', '/v1/mcp', { body: call, headers: { ...headers, 'mcp-session-id': 'a-session-from-before-a-restart' } });
    expect(unknown.status, unknown.text).toBe(200);
    expect(unknown.body.result.isError).toBeFalsy();
  });

  it('keeps a session to the key that opened it', async () => {
    const other = await createMcpKey(server, world.admin);
    const client = await connect({});
    const transport = client.transport as unknown as { sessionId?: string };
    const response = await server.request('POST', '/mcp', {
      body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      headers: { 'x-api-key': other, 'mcp-session-id': transport.sessionId!, accept: 'application/json, text/event-stream' },
    });
    expect(response.status).toBe(403);
  });

  it('answers an unknown tool and bad arguments with isError results naming the problem', async () => {
    const client = await connect({});
    const unknown = await fails(client, 'mcp_does_not_exist');
    expect(unknown.text).toMatch(/mcp_does_not_exist/);
    const wrongType = await fails(client, 'mcp_update_todo_status', { todoId: 42, status: 'done' });
    expect(wrongType.text).toMatch(/todoId/);
    const badEnum = await fails(client, 'mcp_update_todo_status', { todoId: world.projectId, status: 'tested' });
    expect(badEnum.text).toMatch(/status/);
    const extra = await fails(client, 'mcp_list_projects', { bogus: true });
    expect(extra.text).toMatch(/bogus/);
    const huge = await fails(client, 'mcp_create_todo', { projectId: world.projectId, title: 'x'.repeat(100_000) });
    expect(huge.text).toMatch(/title/);
  });
});

describe('tool profiles', () => {
  const sizes: Record<string, { tools: number; chars: number }> = {};

  it('serve core ⊂ standard ⊂ all, chosen by ?tools=, X-MCP-Tools or the key (default standard)', async () => {
    for (const profile of ['core', 'standard', 'all'] as const) {
      const client = await connect({ tools: profile });
      const { tools } = await client.listTools();
      sizes[profile] = { tools: tools.length, chars: JSON.stringify({ tools }).length };
      for (const tool of tools) {
        expect(typeof tool.annotations?.readOnlyHint, tool.name).toBe('boolean');
        expect(typeof tool.annotations?.destructiveHint, tool.name).toBe('boolean');
      }
    }
    const byDefault = await connect({});
    expect((await byDefault.listTools()).tools.length).toBe(sizes.standard!.tools);
    const byHeader = await connect({ headers: { 'x-mcp-tools': 'core' } });
    expect((await byHeader.listTools()).tools.length).toBe(sizes.core!.tools);

    const coreKey = await createMcpKey(server, world.admin, { tool_profile: 'core' });
    const byKey = await connectMcp(server, coreKey);
    open.push(byKey);
    const names = (await byKey.listTools()).tools.map((tool) => tool.name);
    expect(names.length).toBe(sizes.core!.tools);
    expect(names).toContain('mcp_claim_next_todo');
    expect(names).not.toContain('mcp_delete_todo');

    expect(sizes.core!.tools).toBeLessThan(sizes.standard!.tools);
    expect(sizes.standard!.tools).toBeLessThanOrEqual(sizes.all!.tools);
    // Output schemas included; test/mcp/core-profile.test.ts holds the 3,000-token budget of what the model reads.
    expect(sizes.core!.chars).toBeLessThan(24_000);
    process.stdout.write(`tools/list sizes: ${JSON.stringify(sizes)}\n`);
  });

  it('hides tools that change data from nobody, but refuses them for a read-only key', async () => {
    const readOnlyKey = await createMcpKey(server, world.admin, { read_only: true });
    const client = await connectMcp(server, readOnlyKey);
    open.push(client);
    const refused = await callTool(client, 'mcp_create_todo', { projectId: world.projectId, title: 'nope' });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(/read-only/);
  });
});
