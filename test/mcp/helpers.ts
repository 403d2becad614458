import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { createProject } from '../helpers/content.js';
import type { TestServer } from '../helpers/server.js';

// Tool results are whatever JSON the server sent; tests assert on their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export type TransportKind = 'streamable' | 'sse';

export interface McpConnectOptions {
  kind?: TransportKind;
  /** '' or '/v1' */
  prefix?: string;
  /** `?tools=` */
  tools?: string;
  headers?: Record<string, string>;
  /** Send the key as `Authorization: Bearer` instead of `X-API-Key`. */
  bearer?: boolean;
}

/** An MCP API key made the way a user makes one: POST /mcp-keys with their JWT. */
export async function createMcpKey(server: TestServer, user: Session, body: Record<string, unknown> = {}): Promise<string> {
  const response = await server.request('POST', '/mcp-keys', { token: user.token, body });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.plain_text_key;
}

/** The SDK's own client over the chosen transport, authenticated with `key`. */
export async function connectMcp(server: TestServer, key: string, options: McpConnectOptions = {}): Promise<Client> {
  const prefix = options.prefix ?? '';
  const headers: Record<string, string> = { ...options.headers };
  if (options.bearer) headers.authorization = `Bearer ${key}`;
  else headers['x-api-key'] = key;
  const query = options.tools ? `?tools=${options.tools}` : '';
  const client = new Client({ name: 'intracker-test', version: '1.0.0' });
  const transport =
    options.kind === 'sse'
      ? new SSEClientTransport(new URL(`${server.url}${prefix}/mcp/sse${query}`), { requestInit: { headers } })
      : new StreamableHTTPClientTransport(new URL(`${server.url}${prefix}/mcp${query}`), { requestInit: { headers } });
  await client.connect(transport);
  return client;
}

export interface ToolAnswer {
  isError: boolean;
  text: string;
  body: Json;
}

export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolAnswer> {
  const result = (await client.callTool({ name, arguments: args })) as { isError?: boolean; content: { type: string; text: string }[] };
  const text = result.content.map((part) => part.text).join('');
  let body: Json = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain-text SDK errors stay text
  }
  return { isError: Boolean(result.isError), text, body };
}

/** Calls a tool that must succeed and answers its JSON. */
export async function ok(client: Client, name: string, args: Record<string, unknown> = {}): Promise<Json> {
  const answer = await callTool(client, name, args);
  expect(answer.isError, `${name}: ${answer.text}`).toBe(false);
  return answer.body;
}

/** Calls a tool that must fail and answers its error text. */
export async function fails(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolAnswer> {
  const answer = await callTool(client, name, args);
  expect(answer.isError, `${name} should fail: ${answer.text}`).toBe(true);
  return answer;
}

export interface McpWorld {
  admin: Session;
  team: { id: string; name: string };
  leader: Session;
  key: string;
  projectId: string;
}

/** A team of its own with a leader, their MCP key and one project. */
export async function mcpWorld(server: TestServer): Promise<McpWorld> {
  const admin = await loginAdmin(server);
  const team = await createTeam(server, admin);
  const leader = await registerTeamMember(server, admin, team.id, 'team_leader');
  const key = await createMcpKey(server, leader);
  const projectId = await createProject(server, leader, team.id);
  return { admin, team, leader, key, projectId };
}
