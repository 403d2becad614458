import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { type McpSession, type McpSessionOwner, type McpSessionRegistry, RedisSessionStore } from './sessions.js';

function rpcError(reply: FastifyReply, status: number, code: number, message: string) {
  return reply.code(status).send({ jsonrpc: '2.0', error: { code, message }, id: null });
}

/**
 * Streamable HTTP at `/mcp` (simpleStreamableHttp + simpleStatelessStreamableHttp):
 * - POST `initialize` without a session id opens a session; its id comes back in
 *   `Mcp-Session-Id`. The session keeps only which key and user opened it: every
 *   request hands its own verified identity to the SDK (`req.auth`, the handlers'
 *   `authInfo`), so each call acts as the key and user are now;
 * - requests carrying a known session id go to that session's transport (only with
 *   the same key);
 * - with Redis, every session's owner (key id, asked profile and project) is kept
 *   there, so a session id this instance does not know (a restart, another instance
 *   behind the load balancer) is re-created transparently for the same key (another
 *   key: 403);
 * - any other POST is served statelessly by a server made for that request alone, so
 *   a client whose session is unknown everywhere (no Redis, or expired) carries on
 *   instead of hitting a dead end.
 * The reply is hijacked: the SDK writes to the raw Node response itself.
 */
export async function handleStreamableHttp(
  request: FastifyRequest,
  reply: FastifyReply,
  sessions: McpSessionRegistry,
  owner: { keyId: string; userId: string; auth: AuthInfo },
  makeServer: () => McpServer,
): Promise<FastifyReply | undefined> {
  const { keyId, userId } = owner;
  // The SDK reads this request's identity from here and passes it to every handler.
  (request.raw as IncomingMessage & { auth?: AuthInfo }).auth = owner.auth;
  const header = request.headers['mcp-session-id'];
  const sessionId = Array.isArray(header) ? header[0] : header;
  const body = request.body;

  const redis = request.server.services?.redis;
  const store = redis ? new RedisSessionStore(redis) : undefined;

  if (sessionId) {
    let session = sessions.touch(sessionId);
    if (session) {
      store?.refresh(sessionId);
    } else if (store) {
      const owner = await store.load(sessionId);
      if (owner && owner.keyId !== keyId) return reply.code(403).send({ detail: 'This MCP session was opened with another API key' });
      if (owner && !sessions.full && !sessions.atKeyCap(keyId)) {
        session = await restoreSession(sessionId, sessions, store, { keyId, userId }, makeServer);
        store.refresh(sessionId);
      }
    }
    if (session) {
      if (session.keyId !== keyId) return reply.code(403).send({ detail: 'This MCP session was opened with another API key' });
      reply.hijack();
      await (session.transport as StreamableHTTPServerTransport).handleRequest(request.raw, reply.raw, body);
      return undefined;
    }
    if (request.method !== 'POST') return rpcError(reply, 404, -32001, 'Session not found');
  }

  if (request.method === 'POST' && !sessionId && isInitializeRequest(body)) {
    if (sessions.full || sessions.atKeyCap(keyId)) await sessions.sweep();
    if (sessions.full) return rpcError(reply, 503, -32000, 'Too many open MCP sessions; try again later');
    if (sessions.atKeyCap(keyId)) return rpcError(reply, 429, -32000, sessions.keyCapMessage());
    const server = makeServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: async (id) => {
        sessions.add(id, { transport, server, keyId, userId, lastActiveAt: Date.now(), idleExpires: true });
        await store?.save(id, ownerOf(request, keyId));
      },
      onsessionclosed: async (id) => {
        sessions.remove(id);
        await store?.delete(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.remove(transport.sessionId);
    };
    await server.connect(transport);
    reply.hijack();
    await transport.handleRequest(request.raw, reply.raw, body);
    return undefined;
  }

  if (request.method !== 'POST') {
    return rpcError(reply, request.method === 'GET' ? 405 : 400, -32000, 'Bad Request: no valid Mcp-Session-Id; initialize a session first');
  }
  const server = makeServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  reply.raw.on('close', () => {
    void server.close();
  });
  await server.connect(transport);
  reply.hijack();
  await transport.handleRequest(request.raw, reply.raw, body);
  return undefined;
}

function firstHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() || undefined;
}

function ownerOf(request: FastifyRequest, keyId: string): McpSessionOwner {
  const query = (request.query ?? {}) as Record<string, unknown>;
  return {
    keyId,
    profile: (typeof query.tools === 'string' ? query.tools : undefined) ?? firstHeader(request, 'x-mcp-tools'),
    projectId: firstHeader(request, 'x-project-id'),
  };
}

/** Re-creations in flight, so two requests racing on one unknown session id share one. */
const restoring = new Map<string, Promise<McpSession | undefined>>();

/**
 * A session another instance (or this one before a restart) opened: a fresh server and
 * transport under the same id, already initialized, because the client did that once
 * and will not do it again. The SDK has no public way to adopt a session id, hence the
 * two private fields set here.
 */
function restoreSession(
  sessionId: string,
  sessions: McpSessionRegistry,
  store: RedisSessionStore,
  owner: { keyId: string; userId: string },
  makeServer: () => McpServer,
): Promise<McpSession | undefined> {
  const pending = restoring.get(sessionId);
  if (pending) return pending;
  const created = (async (): Promise<McpSession | undefined> => {
    const server = makeServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => sessionId,
      onsessionclosed: async (id) => {
        sessions.remove(id);
        await store.delete(id);
      },
    });
    const inner = (transport as unknown as { _webStandardTransport?: { sessionId: string | undefined; _initialized?: boolean } })._webStandardTransport;
    // An SDK that moved these fields: serve statelessly (the caller's fallback) rather than break.
    if (!inner || typeof inner._initialized !== 'boolean') return undefined;
    inner.sessionId = sessionId;
    inner._initialized = true;
    transport.onclose = () => sessions.remove(sessionId);
    await server.connect(transport);
    const session: McpSession = { transport, server, ...owner, lastActiveAt: Date.now(), idleExpires: true };
    sessions.add(sessionId, session);
    return session;
  })();
  restoring.set(sessionId, created);
  void created.finally(() => restoring.delete(sessionId)).catch(() => undefined);
  return created;
}
