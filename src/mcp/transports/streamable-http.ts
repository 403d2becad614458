import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { McpSessionRegistry } from './sessions.js';

function rpcError(reply: FastifyReply, status: number, code: number, message: string) {
  return reply.code(status).send({ jsonrpc: '2.0', error: { code, message }, id: null });
}

/**
 * Streamable HTTP at `/mcp` (simpleStreamableHttp + simpleStatelessStreamableHttp):
 * - POST `initialize` without a session id opens a session; its id comes back in
 *   `Mcp-Session-Id`, and the session's server keeps the identity that opened it;
 * - requests carrying a known session id go to that session's transport (only with
 *   the same key);
 * - any other POST is served statelessly by a server made for that request alone, so
 *   a client whose session this instance does not know (a restart, another instance
 *   behind the load balancer) carries on instead of hitting a dead end.
 * The reply is hijacked: the SDK writes to the raw Node response itself.
 */
export async function handleStreamableHttp(
  request: FastifyRequest,
  reply: FastifyReply,
  sessions: McpSessionRegistry,
  keyId: string,
  makeServer: () => McpServer,
): Promise<FastifyReply | undefined> {
  const header = request.headers['mcp-session-id'];
  const sessionId = Array.isArray(header) ? header[0] : header;
  const body = request.body;

  if (sessionId) {
    const session = sessions.touch(sessionId);
    if (session) {
      if (session.keyId !== keyId) return reply.code(403).send({ detail: 'This MCP session was opened with another API key' });
      reply.hijack();
      await (session.transport as StreamableHTTPServerTransport).handleRequest(request.raw, reply.raw, body);
      return undefined;
    }
    if (request.method !== 'POST') return rpcError(reply, 404, -32001, 'Session not found');
  }

  if (request.method === 'POST' && !sessionId && isInitializeRequest(body)) {
    if (sessions.full) await sessions.sweep();
    if (sessions.full) return rpcError(reply, 503, -32000, 'Too many open MCP sessions; try again later');
    const server = makeServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => sessions.add(id, { transport, server, keyId, lastActiveAt: Date.now(), idleExpires: true }),
      onsessionclosed: (id) => sessions.remove(id),
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
