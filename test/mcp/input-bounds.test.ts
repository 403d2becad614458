import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTodo } from '../helpers/content.js';
import { type TestServer, startServer } from '../helpers/server.js';
import { type McpWorld, connectMcp, fails, mcpWorld } from './helpers.js';

/** docs/security.md "Enum values" and "Bounded inputs", over MCP through the SDK's client. */
let server: TestServer;
let world: McpWorld;
let mcp: Client;

beforeAll(async () => {
  server = await startServer();
  world = await mcpWorld(server);
  mcp = await connectMcp(server, world.key);
});

afterAll(async () => {
  await mcp?.close().catch(() => undefined);
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
