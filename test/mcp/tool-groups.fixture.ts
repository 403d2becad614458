import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { expect } from 'vitest';
import { registerPrompts } from '../../src/mcp/prompts.js';
import { registerResources } from '../../src/mcp/resources.js';
import type { McpCallContext } from '../../src/mcp/tools/types.js';
import type { Session } from '../helpers/actors.js';
import type { TestServer } from '../helpers/server.js';

/**
 * What the tool-group tests share: MCP keys made through REST like the web client
 * does, an SDK client over the real `/mcp` endpoint, and tool results parsed back.
 */

// Tool results are whatever JSON the tool answered; tests assert on their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface ToolAnswer {
  isError: boolean;
  data: Json;
}

export interface McpConnection {
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<ToolAnswer>;
  /** Calls and fails the test unless the tool succeeded. */
  ok(name: string, args?: Record<string, unknown>): Promise<Json>;
  /** Calls and fails the test unless the tool answered an error; gives its message. */
  error(name: string, args?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function createMcpKey(server: TestServer, session: Session, body: Record<string, unknown> = {}): Promise<string> {
  const response = await server.request('POST', '/mcp-keys', { token: session.token, body: { name: 'tests', ...body } });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.plain_text_key;
}

function wrap(client: Client, close: () => Promise<void>): McpConnection {
  const call = async (name: string, args: Record<string, unknown> = {}): Promise<ToolAnswer> => {
    const result = await client.callTool({ name, arguments: args });
    const content = result.content as { type: string; text?: string }[];
    const text = content.find((part) => part.type === 'text')?.text ?? '';
    let data: Json = text;
    try {
      data = JSON.parse(text);
    } catch {
      // a plain-text answer (SDK validation errors): keep the text
    }
    return { isError: result.isError === true, data };
  };
  return {
    client,
    call,
    async ok(name, args) {
      const answer = await call(name, args);
      expect(answer.isError, `${name}: ${JSON.stringify(answer.data)}`).toBe(false);
      return answer.data;
    },
    async error(name, args) {
      const answer = await call(name, args);
      expect(answer.isError, `${name} should fail: ${JSON.stringify(answer.data)}`).toBe(true);
      return typeof answer.data === 'string' ? answer.data : String(answer.data.error);
    },
    close,
  };
}

/** An SDK client on the server's Streamable HTTP endpoint, every tool (`?tools=all`) unless told otherwise. */
export async function connectMcp(server: TestServer, key: string, options: { tools?: string; headers?: Record<string, string> } = {}): Promise<McpConnection> {
  const url = new URL(`${server.url}/mcp?tools=${options.tools ?? 'all'}`);
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers: { 'X-API-Key': key, ...options.headers } } });
  const client = new Client({ name: 'tool-group-tests', version: '1.0.0' });
  await client.connect(transport);
  return wrap(client, () => client.close());
}

/**
 * Resources and prompts on an in-process server bound to `actor`, through the SDK's
 * in-memory transport: the same registration the MCP server performs per connection.
 */
export async function connectResourcesAndPrompts(
  server: TestServer,
  actor: { id: string; email: string; role?: 'admin' | 'team_leader' | 'member' },
  options: { boundProjectId?: string } = {},
): Promise<McpConnection> {
  const services = server.app.fastify.services;
  const ctx: McpCallContext = services.contextFor({ id: actor.id, email: actor.email, role: actor.role ?? 'member' }, { projectId: options.boundProjectId });
  const mcp = new McpServer({ name: 'resources-under-test', version: '1.0.0' });
  registerResources(mcp, async () => ctx);
  registerPrompts(mcp, async () => ctx);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await mcp.connect(serverSide);
  const client = new Client({ name: 'resource-tests', version: '1.0.0' });
  await client.connect(clientSide);
  return wrap(client, async () => {
    await client.close();
    await mcp.close();
  });
}
