import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Actor, ServiceContext } from '../../domain/context.js';
import { Unauthenticated } from '../../domain/errors.js';
import { bearerToken } from '../../infra/bearer.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate`; null on public routes. */
    actor: Actor | null;
  }
  interface FastifyInstance {
    /** onRequest hook for routes that need a signed-in, active user. */
    authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  }
}

/**
 * Bearer-token authentication. A missing or malformed header is 401 (not FastAPI's
 * 403), because the web client refreshes its token only on 401.
 */
export default fp(
  async function authentication(app: FastifyInstance) {
    app.decorateRequest('actor', null);
    app.decorate('authenticate', async (request: FastifyRequest, reply: FastifyReply) => {
      const token = bearerToken(request.headers.authorization);
      if (!token) {
        reply.header('WWW-Authenticate', 'Bearer');
        throw new Unauthenticated('Not authenticated');
      }
      request.actor = await app.services.auth.authenticate(app.services.database.db, token);
    });
  },
  { name: 'authentication', dependencies: ['services'] },
);

/** The service context of an authenticated request. */
export function contextOf(request: FastifyRequest): ServiceContext {
  if (!request.actor) throw new Unauthenticated('Not authenticated');
  return request.server.services.contextFor(request.actor);
}
