import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTodo } from '../helpers/content.js';
import { type TestServer, startServer } from '../helpers/server.js';
import { type McpWorld, connectMcp, fails, mcpWorld, ok } from './helpers.js';

/** docs/security.md "Enum values" and "Bounded inputs", over MCP through the SDK's client. */
let server: TestServer;
let world: McpWorld;
let mcp: Client;
let all: Client;

beforeAll(async () => {
  server = await startServer();
  world = await mcpWorld(server);
  mcp = await connectMcp(server, world.key);
  all = await connectMcp(server, world.key, { tools: 'all' });
});

afterAll(async () => {
  await mcp?.close().catch(() => undefined);
  await all?.close().catch(() => undefined);
  await server?.close();
});

describe('enum values over MCP', () => {
  it('refuses a todo status outside the workflow naming the field, the allowed statuses and what was sent', async () => {
    const todo = await createTodo(server, world.leader, { project_id: world.projectId, title: 'x' });
    const answer = await fails(mcp, 'mcp_update_todo_status', { todoId: todo.id, status: 'tested' });
    expect(answer.text).toContain('status must be one of: new, in_progress, done (got "tested")');
  });

  it('words every enum the same way, nested in arrays too', async () => {
    const priority = await fails(mcp, 'mcp_create_todo', { projectId: world.projectId, title: 'x', priority: 'urgent' });
    expect(priority.text).toContain('priority must be one of: low, medium, high, critical (got "urgent")');
    const feature = await fails(mcp, 'mcp_list_features', { projectId: world.projectId, status: 'shipped' });
    expect(feature.text).toContain('status must be one of: new, in_progress, done, tested, merged (got "shipped")');
    const types = await fails(mcp, 'mcp_search', { query: 'x', types: ['todo', 'idea'] });
    expect(types.text).toContain('types.1 must be one of: todo, feature, document (got "idea")');
  });
});

describe('mcp_parse_commit_message on long lines', () => {
  // A first line that made the old regex backtrack quadratically: a long run of blanks
  // inside the description (each start of `(.+?)` rescanned the run with `\s*`).
  const pathological = `feat(api): a${' '.repeat(19_900)}é b`;

  it('parses a 20 kB line like a short one', async () => {
    expect(Buffer.byteLength(pathological)).toBeGreaterThan(19_900);
    const parsed = await ok(all, 'mcp_parse_commit_message', { commitMessage: `${pathological} [feature:f-1]\n\nbody` });
    expect(parsed).toMatchObject({ type: 'feat', scope: 'api', feature_id: 'f-1', format: 'conventional' });
    expect(parsed.description).toBe(pathological.slice('feat(api): '.length));
  });

  it('keeps /health responsive while a batch of twenty such lines is parsed', async () => {
    const batch = Array.from({ length: 20 }, (_, id) => ({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: 'mcp_parse_commit_message', arguments: { commitMessage: pathological } },
    }));
    const calls = server.request('POST', '/mcp?tools=all', { headers: { 'x-api-key': world.key, accept: 'application/json, text/event-stream' }, body: batch });
    // Probe liveness until the batch is answered; the slowest probe is what a load
    // balancer's health check would have seen.
    let done = false;
    void calls.finally(() => (done = true));
    let waited = 0;
    while (!done) {
      const started = Date.now();
      const health = await server.request('GET', '/health');
      expect(health.status).toBe(200);
      waited = Math.max(waited, Date.now() - started);
    }
    const answered = await calls;
    expect(answered.status).toBe(200);
    expect(answered.body).toHaveLength(20);
    for (const answer of answered.body) expect(JSON.parse(answer.result.content[0].text)).toMatchObject({ type: 'feat', format: 'conventional' });
    // Generous: a busy test machine takes tens of milliseconds; the old parser blocked the loop for seconds.
    expect(waited).toBeLessThan(2_000);
  });

  it('still tells conventional from simple messages at the edges', async () => {
    const parse = (commitMessage: string) => ok(all, 'mcp_parse_commit_message', { commitMessage });
    expect(await parse('fix: [feature:x]')).toMatchObject({ type: 'fix', description: '[feature:x]', feature_id: null });
    expect(await parse('fix:   spaced   [feature:abc]  ')).toMatchObject({ description: 'spaced', feature_id: 'abc' });
    expect(await parse('fix(: nope')).toMatchObject({ format: 'simple', description: 'fix(: nope' });
    expect(await parse('fix():x')).toMatchObject({ format: 'simple' });
    expect(await parse('fix:')).toMatchObject({ format: 'simple' });
    expect(await parse('feat(a b): x [feature:]')).toMatchObject({ scope: 'a b', description: 'x [feature:]', feature_id: null });
    expect(await parse('  chore: tidy\r\nmore')).toMatchObject({ type: 'chore', description: 'tidy' });
  });
});

describe('text the database cannot store, over MCP', () => {
  it('answers NUL in a tool argument as bad input the agent can fix, not as a server failure', async () => {
    const answer = await fails(mcp, 'mcp_create_todo', { projectId: world.projectId, title: 'a\u0000b' });
    expect(answer.text).not.toMatch(/failed on the server/);
    expect(answer.body.error).toMatch(/not valid/);
    expect(answer.body.status).toBe(400);
  });
});
