import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DomainEvent } from '../events/types.js';
import type { AppServices } from '../services.js';
import { McpAuthError, type McpIdentity, authInfoOf, authenticateMcp, requestContexts } from './auth.js';
import type * as McpRuntime from './runtime.js';
import type { PreparedTool } from './server.js';
import type { ToolProfile } from './tools/types.js';
import { McpMessageLimiter, messageCount } from './transports/message-limit.js';
import { RebindingGuard } from './transports/rebinding.js';
import { McpSessionRegistry, RedisSessionStore, SESSION_IDLE_MS } from './transports/sessions.js';

/** The MCP runtime module, with the process's tools prepared once (server.ts `prepareTools`). */
type Runtime = typeof McpRuntime & { tools: readonly PreparedTool[] };

/**
 * The MCP endpoints (DECISIONS.md "MCP"), unprefixed and under `/v1`, sharing one
 * session registry per app instance:
 * - `/mcp`: Streamable HTTP (sessions and stateless POSTs);
 * - `GET /mcp/sse` + `POST /mcp/messages?session_id=`: legacy HTTP+SSE (Cursor);
 * - `GET /mcp/health`: no auth.
 * Every request verifies its key and each call acts as that key's user is now; a key
 * that stops working, or a user deactivated or deleted, closes the sessions it opened
 * on every instance (the events reach all of them).
 */
export default async function mcpPlugin(app: FastifyInstance): Promise<void> {
  const { mcp } = app.services.config;
  const sessions = new McpSessionRegistry(SESSION_IDLE_MS, mcp.maxSessionsPerKey);
  const limiter = new McpMessageLimiter(mcp.rateLimit, app.services.redis);
  const rebinding = new RebindingGuard(app.services.config);
  // Loaded once the server listens (so /health answers sooner), or by the first MCP
  // request if that comes first; the import and the tools' schemas are made once.
  let loaded: Promise<Runtime> | undefined;
  const runtime = () =>
    (loaded ??= import('./runtime.js').then((module) => ({ ...module, tools: module.prepareTools(module.ALL_TOOLS, app.services.metrics) })));
  app.addHook('onListen', async () => {
    void runtime();
  });
  const unsubscribe = app.services.events.subscribe((event) => closeLostSessions(app.services, sessions, event), { includeRemote: true });
  app.addHook('onClose', async () => {
    unsubscribe();
    await sessions.closeAll();
  });
  const opts = { sessions, runtime, limiter, rebinding };
  await app.register(mcpRoutes, opts);
  await app.register(mcpRoutes, { ...opts, prefix: '/v1' });
}

interface McpRoutesOptions {
  sessions: McpSessionRegistry;
  runtime: () => Promise<Runtime>;
  limiter: McpMessageLimiter;
  rebinding: RebindingGuard;
}

async function mcpRoutes(app: FastifyInstance, opts: McpRoutesOptions): Promise<void> {
  const { sessions } = opts;
  const services = app.services;
  const hide = { hide: true };
  // MCP counts its own messages per key (McpMessageLimiter, each batch member included);
  // the HTTP limiter would count them again, per IP, under the default budget.
  const config = { limit: 'none' as const };

  // DNS-rebinding rule, before anything else (transports/rebinding.ts); health stays open.
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url?.endsWith('/mcp/health')) return;
    const problem = opts.rebinding.problem(request.headers, request.socket.localPort);
    if (problem) await reply.code(403).send({ detail: problem });
  });

  /** The caller, or undefined once a 4xx `{detail}` has been sent (bad key, or past the MCP rate limit). */
  async function identify(request: FastifyRequest, reply: FastifyReply): Promise<McpIdentity | undefined> {
    let identity: McpIdentity;
    try {
      identity = await authenticateMcp(request, services);
    } catch (error) {
      if (!(error instanceof McpAuthError)) throw error;
      if (error.status === 401) reply.header('WWW-Authenticate', 'Bearer');
      await reply.code(error.status).send({ detail: error.detail });
      return undefined;
    }
    const retryAfter = await opts.limiter.consume(identity.key.keyId, request.method === 'POST' ? messageCount(request.body) : 1);
    if (retryAfter !== undefined) {
      await reply
        .code(429)
        .header('Retry-After', String(retryAfter))
        .send({ detail: `Too many MCP messages for this API key (each message of a batch counts): try again in ${retryAfter} seconds` });
      return undefined;
    }
    return identity;
  }

  const contextOf = requestContexts(services);
  const serverFor =
    ({ buildMcpServer, tools }: Runtime, profile: ToolProfile) =>
    () =>
      buildMcpServer({ tools, profile, contextOf, log: app.log, metrics: services.metrics });

  app.get('/mcp/health', { schema: { ...hide, summary: 'MCP server health' }, config }, async () => ({
    status: 'ok',
    service: (await opts.runtime()).MCP_SERVER_NAME,
  }));

  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: '/mcp',
    schema: hide,
    config,
    handler: async (request, reply) => {
      const identity = await identify(request, reply);
      if (!identity) return reply;
      const runtime = await opts.runtime();
      const owner = { keyId: identity.key.keyId, userId: identity.key.actor.id, auth: authInfoOf(identity) };
      return runtime.handleStreamableHttp(request, reply, sessions, owner, serverFor(runtime, identity.profile));
    },
  });

  app.get('/mcp/sse', { schema: hide, config }, async (request, reply) => {
    const identity = await identify(request, reply);
    if (!identity) return reply;
    if (sessions.full) return reply.code(503).send({ detail: 'Too many open MCP sessions; try again later' });
    if (sessions.atKeyCap(identity.key.keyId)) return reply.code(429).send({ detail: sessions.keyCapMessage() });
    const runtime = await opts.runtime();
    reply.hijack();
    // The endpoint keeps the prefix the client used, so `/v1/mcp/sse` posts to `/v1/mcp/messages`.
    const transport = new runtime.LegacySseTransport(reply.raw, `${app.prefix}/mcp/messages`, services.config.mcp.sseMaxLifetimeMs);
    const server = serverFor(runtime, identity.profile)();
    sessions.add(transport.sessionId, { transport, server, keyId: identity.key.keyId, userId: identity.key.actor.id, lastActiveAt: Date.now(), idleExpires: false });
    reply.raw.on('close', () => {
      sessions.remove(transport.sessionId);
      void server.close();
    });
    await server.connect(transport);
    return undefined;
  });

  const postMessage = async (request: FastifyRequest, reply: FastifyReply) => {
    const identity = await identify(request, reply);
    if (!identity) return reply;
    const query = (request.query ?? {}) as Record<string, unknown>;
    const sessionId = query.session_id ?? query.sessionId;
    if (typeof sessionId !== 'string' || sessionId === '') return reply.code(400).send({ detail: 'Missing session_id' });
    const { LegacySseTransport } = await opts.runtime();
    const session = sessions.touch(sessionId);
    if (!session || !(session.transport instanceof LegacySseTransport)) {
      return reply.code(404).send({ detail: 'Session not found: reconnect to /mcp/sse' });
    }
    if (session.keyId !== identity.key.keyId) return reply.code(403).send({ detail: 'This MCP session was opened with another API key' });
    try {
      session.transport.receive(request.body, request.headers, authInfoOf(identity));
    } catch {
      return reply.code(400).send({ detail: 'Invalid JSON-RPC message' });
    }
    return reply.code(202).type('text/plain').send('Accepted');
  };
  app.post('/mcp/messages', { schema: hide, config }, postMessage);
  app.post('/mcp/messages/', { schema: hide, config }, postMessage);
}

/**
 * Closes the sessions an event took the ground from: a revoked, replaced or deleted
 * key's, and those of a user who is deactivated or deleted (read through the memo,
 * which the event has already made forget them). A role change closes nothing: the
 * next call acts with the new role. Their Redis records go too, so no instance
 * re-creates them.
 */
async function closeLostSessions(services: AppServices, sessions: McpSessionRegistry, event: DomainEvent): Promise<void> {
  let closed: string[] = [];
  if (event.name === 'mcpKeyRevoked' && Array.isArray(event.payload.keyIds)) {
    const keyIds = new Set(event.payload.keyIds);
    closed = await sessions.closeWhere((session) => keyIds.has(session.keyId));
  } else if (event.name === 'userUpdated' && typeof event.payload.userId === 'string') {
    const userId = event.payload.userId;
    if (!sessions.hasUser(userId) || (await services.auth.actorNow(services.database.db, userId))) return;
    closed = await sessions.closeWhere((session) => session.userId === userId);
  }
  if (closed.length === 0 || !services.redis) return;
  const store = new RedisSessionStore(services.redis);
  await Promise.all(closed.map((id) => store.delete(id)));
}
