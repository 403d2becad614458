import { access } from 'node:fs/promises';
import Fastify from 'fastify';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Config } from '../config.js';
import { Unauthenticated } from '../domain/errors.js';
import { isUuid } from '../domain/ids.js';
import { verifyMcpKey } from '../domain/mcpKeys/service.js';
import { closeServices, createServices } from '../services.js';
import { describeDatabase } from '../startup-errors.js';
import { DEFAULT_PROFILE, callContext } from './auth.js';
import { buildMcpServer, prepareTools } from './server.js';
import { ALL_TOOLS } from './tools/index.js';
import type { ToolProfile } from './tools/types.js';

/**
 * `intracker mcp`: MCP over stdio for an agent on this machine (DECISIONS.md "MCP").
 * - With INTRACKER_URL: a bridge between stdio and that server's `/mcp` (Streamable
 *   HTTP), authenticated by INTRACKER_API_KEY; the agent's machine needs no database.
 * - Without it: serves from the configured database directly (embedded use).
 * stdout carries JSON-RPC and nothing else: logs go to stderr.
 */

export class StdioStartError extends Error {}

const PROFILES: readonly ToolProfile[] = ['core', 'standard', 'all'];

export interface StdioEnv {
  url: string | undefined;
  apiKey: string;
  profile: ToolProfile | undefined;
  projectId: string | undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

export function readStdioEnv(env: Record<string, string | undefined> = process.env): StdioEnv {
  const apiKey = nonEmpty(env.INTRACKER_API_KEY);
  if (!apiKey) throw new StdioStartError('INTRACKER_API_KEY is not set: create an MCP key (POST /mcp-keys or the web UI) and pass it in the env of the MCP config');
  const asked = nonEmpty(env.INTRACKER_MCP_TOOLS)?.toLowerCase();
  if (asked !== undefined && !PROFILES.includes(asked as ToolProfile)) {
    throw new StdioStartError(`INTRACKER_MCP_TOOLS='${asked}' is not a tool profile: use one of ${PROFILES.join(', ')}`);
  }
  const projectId = nonEmpty(env.INTRACKER_PROJECT_ID)?.toLowerCase();
  if (projectId !== undefined && !isUuid(projectId)) throw new StdioStartError('INTRACKER_PROJECT_ID must be a project UUID');
  return { url: nonEmpty(env.INTRACKER_URL), apiKey, profile: asked as ToolProfile | undefined, projectId };
}

/** Runs until stdin closes; answers the exit code. */
export async function runStdio(config: Config, env: Record<string, string | undefined> = process.env): Promise<number> {
  // Whatever prints with console.log would corrupt the JSON-RPC stream.
  // eslint-disable-next-line no-console -- rebinding, not printing
  console.log = console.info = console.debug = console.error;
  let settings: StdioEnv;
  try {
    settings = readStdioEnv(env);
  } catch (error) {
    if (error instanceof StdioStartError) {
      console.error(`intracker mcp: ${error.message}`);
      return 1;
    }
    throw error;
  }
  try {
    return settings.url ? await runBridge(settings.url, settings) : await runDirect(config, settings);
  } catch (error) {
    if (error instanceof StdioStartError) {
      console.error(`intracker mcp: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

/** Resolves once stdin ends (the agent closed us) or a signal arrives. */
function untilStdinCloses(): Promise<void> {
  return new Promise((resolve) => {
    process.stdin.once('end', () => resolve());
    process.stdin.once('close', () => resolve());
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** `http://host:3000` → `http://host:3000/mcp`; a URL already ending in `/mcp` stays. */
export function mcpEndpoint(base: string, profile: ToolProfile | undefined): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new StdioStartError(`INTRACKER_URL='${base}' is not a URL (expected e.g. https://intracker.example.com)`);
  }
  if (!/\/mcp\/?$/.test(url.pathname)) url.pathname = `${url.pathname.replace(/\/+$/, '')}/mcp`;
  if (profile) url.searchParams.set('tools', profile);
  return url;
}

function bridgeHeaders(settings: StdioEnv): Record<string, string> {
  const headers: Record<string, string> = { 'x-api-key': settings.apiKey };
  if (settings.projectId) headers['x-project-id'] = settings.projectId;
  return headers;
}

/** One stateless ping, so a wrong key or URL fails at start with a message rather than later. */
async function probe(endpoint: URL, settings: StdioEnv): Promise<void> {
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { ...bridgeHeaders(settings), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'ping' }),
    });
  } catch (error) {
    throw new StdioStartError(`cannot reach ${endpoint.origin}: ${(error as Error).message}`);
  }
  await response.body?.cancel().catch(() => {});
  if (response.status === 401) throw new StdioStartError(`INTRACKER_API_KEY was refused by ${endpoint.origin} (invalid, revoked or expired key)`);
  if (response.status === 400 || response.status === 403) throw new StdioStartError(`${endpoint.origin} refused the connection (HTTP ${response.status}); check INTRACKER_MCP_TOOLS and INTRACKER_PROJECT_ID`);
  if (response.status === 404) throw new StdioStartError(`${endpoint.href} was not found: is INTRACKER_URL the InTracker server?`);
  if (response.status >= 500) throw new StdioStartError(`${endpoint.origin} answered HTTP ${response.status}`);
}

async function runBridge(base: string, settings: StdioEnv): Promise<number> {
  const endpoint = mcpEndpoint(base, settings.profile);
  await probe(endpoint, settings);
  const remote = new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: bridgeHeaders(settings) } });
  const local = new StdioServerTransport();
  const initializeIds = new Set<string | number>();

  remote.onmessage = (message: JSONRPCMessage) => {
    // The transport sends the negotiated protocol version on every later request.
    if ('id' in message && 'result' in message && initializeIds.delete(message.id)) {
      const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === 'string') remote.setProtocolVersion(version);
    }
    void local.send(message).catch((error: unknown) => console.error('intracker mcp: writing to stdout failed', error));
  };
  remote.onerror = (error) => console.error(`intracker mcp: ${error.message}`);
  local.onerror = (error) => console.error(`intracker mcp: bad input on stdin: ${error.message}`);

  local.onmessage = (message: JSONRPCMessage) => {
    const isRequest = 'method' in message && 'id' in message;
    if (isRequest && message.method === 'initialize') initializeIds.add(message.id);
    remote.send(message).catch((error: unknown) => {
      const text = error instanceof Error ? error.message : String(error);
      console.error(`intracker mcp: forwarding to ${endpoint.origin} failed: ${text}`);
      if (isRequest) {
        void local.send({ jsonrpc: '2.0', id: message.id, error: { code: -32603, message: `InTracker server unreachable or refused the request: ${text}` } });
      }
    });
  };

  await remote.start();
  await local.start();
  await untilStdinCloses();
  await remote.terminateSession().catch(() => {});
  await remote.close().catch(() => {});
  await local.close().catch(() => {});
  return 0;
}

/**
 * Direct mode never makes a database of its own: an agent that starts `intracker mcp`
 * from another folder would otherwise get an empty one that knows no key.
 */
async function assertDatabaseExists(config: Config): Promise<void> {
  const { database } = config;
  if (database.kind !== 'pglite' || database.dataDir === undefined) return;
  try {
    await access(database.dataDir);
  } catch {
    throw new StdioStartError(
      `there is no InTracker database in ${database.dataDir}: set DATA_DIR to the server's data directory (or DATABASE_URL), or set INTRACKER_URL to bridge to a running server`,
    );
  }
}

async function runDirect(config: Config, settings: StdioEnv): Promise<number> {
  await assertDatabaseExists(config);
  const logHost = Fastify({ logger: { level: config.logLevel, stream: process.stderr } });
  const log = logHost.log;
  // On an embedded data dir a running server owns, this works through that server's
  // database (its socket); otherwise it owns the directory itself until stdin closes.
  const services = await createServices(config, log, { whenDataDirOwned: 'join' });
  try {
    const key = await verifyMcpKey(services.database.db, services.memo, settings.apiKey);
    if (!key) throw new StdioStartError(`INTRACKER_API_KEY is invalid, revoked or expired for ${describeDatabase(config.database)}; is this the server's database? (DATA_DIR, DATABASE_URL)`);
    if (key.projectId && settings.projectId && key.projectId !== settings.projectId) {
      throw new StdioStartError('INTRACKER_API_KEY is scoped to another project than INTRACKER_PROJECT_ID names');
    }
    const profile = settings.profile ?? key.toolProfile ?? DEFAULT_PROFILE;
    // Every call verifies the key again, as every HTTP request does: a key revoked or a
    // user demoted or deactivated while the agent runs is refused or narrowed at once.
    const contextOf = async () => {
      const now = await verifyMcpKey(services.database.db, services.memo, settings.apiKey);
      if (!now) throw new Unauthenticated('INTRACKER_API_KEY is no longer valid (revoked, expired, or its user deactivated)');
      return callContext({ key: now, profile, boundProjectId: now.projectId ?? settings.projectId }, services);
    };
    const server = buildMcpServer({ tools: prepareTools(ALL_TOOLS, services.metrics), profile, contextOf, log, metrics: services.metrics });
    const transport = new StdioServerTransport();
    await server.connect(transport);
    await untilStdinCloses();
    await server.close().catch(() => {});
    return 0;
  } finally {
    await closeServices(services);
    await logHost.close();
  }
}
