import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { WebSocketServer } from 'ws';
import { readableTeamIds } from '../domain/access.js';
import type { Actor } from '../domain/context.js';
import { DomainError, Unauthenticated } from '../domain/errors.js';
import type { DomainEvent } from '../events/types.js';
import { bearerToken } from '../infra/bearer.js';
import { startBackplane } from './backplane.js';
import { fanOut } from './fanout.js';
import { Hub } from './hub.js';
import { MemoryPresence } from './presence.js';
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
 * otherwise), the domain-event fan-out, and the Redis backplane when Redis is
 * configured. Closing the app closes every connection with `allowReconnect: true`.
 * Its HTTP routes (negotiate, the online list) are in http/routes/hub.ts.
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
        ({ actor, teamIds, expiresAt }) => {
          if (socket.destroyed) return;
          wss.handleUpgrade(request, socket, head, (ws) => hub.accept(ws, actor, teamIds, expiresAt));
        },
        (error: unknown) => {
          if (error instanceof DomainError) return refuse(socket, error.status, error.message);
          app.log.error({ err: error }, 'realtime: upgrade failed');
          refuse(socket, 503, 'Service unavailable');
        },
      );
    };

    async function authenticateUpgrade(request: IncomingMessage, url: URL): Promise<{ actor: Actor; teamIds: string[] | 'all'; expiresAt: Date }> {
      const token = url.searchParams.get('access_token') ?? bearerToken(request.headers.authorization);
      if (!token) throw new Unauthenticated('Not authenticated');
      const { actor, expiresAt } = await services.auth.authenticateSession(services.database.db, token);
      const teamIds = await readableTeamIds(services.contextFor(actor));
      return { actor, teamIds, expiresAt };
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
  },
  { name: 'realtime', dependencies: ['services', 'authentication'] },
);

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
