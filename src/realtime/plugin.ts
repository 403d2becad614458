import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { WebSocketServer } from 'ws';
import { readableTeamIds, requireProjectAccess } from '../domain/access.js';
import type { Actor } from '../domain/context.js';
import { DomainError } from '../domain/errors.js';
import type { DomainEvent } from '../events/types.js';
import { errors, IdParams, Uuid } from '../http/schemas/common.js';
import { startBackplane } from './backplane.js';
import { fanOut } from './fanout.js';
import { Hub } from './hub.js';
import { MemoryPresence, onlineUsers } from './presence.js';
import { RedisPresence } from './presence-redis.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The SignalR hub of this app instance (tests adjust its timings through `configure`). */
    realtime: Hub;
  }
}

const HUB_PATHS = new Set(['/signalr/hub', '/v1/signalr/hub']);
/** ws's own hard cap; the hub closes anything over its (smaller) message limit with a reason. */
const MAX_FRAME_BYTES = 1024 * 1024;

/**
 * The live board: the SignalR hub on `ws` at `/signalr/hub` (and `/v1/…`), upgraded
 * on Fastify's own server after the bearer token checks out (401 before any upgrade
 * otherwise), the negotiate endpoint, the online list, the domain-event fan-out, and
 * the Redis backplane when Redis is configured. Closing the app closes every
 * connection with `allowReconnect: true`.
 */
export default fp(
  async function realtime(app: FastifyInstance) {
    const { services } = app;
    const instanceId = randomBytes(8).toString('hex');
    const presence = services.redis ? new RedisPresence(services.redis, instanceId, app.log) : new MemoryPresence();
    const hub = new Hub({
      services,
      log: app.log,
      presence,
    });
    app.decorate('realtime', hub);

    // One event at a time, in arrival order, so a client sees a project's seq ascending.
    let fanOutChain: Promise<void> = Promise.resolve();
    const schedule = (event: DomainEvent) => {
      fanOutChain = fanOutChain
        .then(() => fanOut(hub, event))
        .catch((error: unknown) => app.log.error({ err: error, event: event.name }, 'realtime fan-out failed'));
    };
    const backplane =
      services.redis && services.config.redis
        ? await startBackplane({ hub, redis: services.redis, keyPrefix: services.config.redis.keyPrefix, instanceId, log: app.log })
        : undefined;
    // Remote events too: the event relay (events/relay.ts) brings the other instances'.
    const unsubscribe = services.events.subscribe(schedule, { includeRemote: true });

    const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
    const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (!HUB_PATHS.has(url.pathname)) {
        // Another plugin may serve this path; answer only when nobody else listens.
        if (app.server.listenerCount('upgrade') === 1) refuse(socket, 404, 'Not found');
        return;
      }
      socket.on('error', () => socket.destroy());
      authenticateUpgrade(request, url).then(
        ({ actor, teamIds }) => {
          if (socket.destroyed) return;
          wss.handleUpgrade(request, socket, head, (ws) => hub.accept(ws, actor, teamIds));
        },
        (error: unknown) => {
          if (error instanceof DomainError) return refuse(socket, error.status, error.message);
          app.log.error({ err: error }, 'realtime: upgrade failed');
          refuse(socket, 503, 'Service unavailable');
        },
      );
    };

    async function authenticateUpgrade(request: IncomingMessage, url: URL): Promise<{ actor: Actor; teamIds: string[] | 'all' }> {
      const header = request.headers.authorization;
      const token = url.searchParams.get('access_token') ?? (header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined);
      if (!token) throw new UnauthenticatedUpgrade('Not authenticated');
      const actor = await services.auth.authenticate(services.database.db, token);
      const teamIds = await readableTeamIds(services.contextFor(actor));
      return { actor, teamIds };
    }

    app.server.on('upgrade', onUpgrade);
    app.addHook('preClose', async () => {
      app.server.off('upgrade', onUpgrade);
      unsubscribe();
      await hub.close();
      await fanOutChain;
    });
    app.addHook('onClose', async () => {
      await backplane?.close();
      if (presence instanceof RedisPresence) await presence.close();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    });

    const tags = ['realtime'];
    const security = [{ bearerAuth: [] }];
    const NegotiateQuery = Type.Object({ negotiateVersion: Type.Optional(Type.Integer({ minimum: 0 })) });
    const OnlineUsers = Type.Object({
      projectId: Uuid,
      onlineUsers: Type.Array(Type.Object({ id: Uuid, email: Type.String() })),
      count: Type.Integer(),
    });

    const routes = app.withTypeProvider<TypeBoxTypeProvider>();
    for (const prefix of ['', '/v1']) {
      routes.post(
        `${prefix}/signalr/hub/negotiate`,
        {
          onRequest: app.authenticate,
          schema: {
            tags,
            summary: 'SignalR negotiate: WebSockets is the only transport',
            description:
              'Versions 0 and 1 of the ASP.NET Core negotiate protocol. The WebSocket at /signalr/hub then authenticates ' +
              'again (access_token query parameter or Authorization header); the connection token is not needed to connect.',
            security,
            querystring: NegotiateQuery,
            response: errors(401),
          },
        },
        async (request) => {
          const connectionId = randomBytes(16).toString('base64url');
          const availableTransports = [{ transport: 'WebSockets', transferFormats: ['Text'] }];
          if ((request.query.negotiateVersion ?? 0) >= 1) {
            return { negotiateVersion: 1, connectionId, connectionToken: randomBytes(16).toString('base64url'), availableTransports };
          }
          return { connectionId, availableTransports };
        },
      );

      routes.get(
        `${prefix}/signalr/projects/:id/online`,
        {
          onRequest: app.authenticate,
          schema: {
            tags,
            summary: 'Users connected to the live board of a project right now (all instances)',
            description: 'Members of the project’s team only (404 otherwise). For open work sessions see /projects/{id}/active-users.',
            security,
            params: IdParams,
            response: { 200: OnlineUsers, ...errors(401, 404, 422) },
          },
        },
        async (request) => {
          const projectId = request.params.id;
          if (!request.actor) throw new UnauthenticatedUpgrade('Not authenticated');
          await requireProjectAccess(hub.contextOf(request.actor), projectId, 'read');
          const users = onlineUsers(await hub.onlineIn(projectId));
          return { projectId, onlineUsers: users, count: users.length };
        },
      );
    }
  },
  { name: 'realtime', dependencies: ['services', 'authentication'] },
);

/** 401 for a hub request without a usable token (the HTTP error handler maps it like any domain error). */
class UnauthenticatedUpgrade extends DomainError {
  readonly status = 401;
}

/** An HTTP answer on a socket that asked to upgrade, then the end of it. */
function refuse(socket: Duplex, status: number, detail: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ detail });
  const reason = status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Service Unavailable';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `${status === 401 ? 'WWW-Authenticate: Bearer\r\n' : ''}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
