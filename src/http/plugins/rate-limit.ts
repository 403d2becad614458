import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which of the configured limits applies; routes without one get `default`. */
    limit?: 'login' | 'register' | 'refresh' | 'default' | 'none';
  }
}

const WINDOWS = { login: 60_000, register: 3_600_000, refresh: 60_000, default: 60_000 } as const;

/**
 * The limits of DECISIONS.md, counted in Redis when there is one so that all
 * instances share them. Runs after authentication (preHandler), so the default
 * limit is per user, not per forged token; login and register count per IP.
 */
export default fp(
  async function rateLimits(app: FastifyInstance, opts: { config: Config }) {
    const limits = opts.config.rateLimits;
    // Must run before the plugin's own onRoute hook, which reads `config.rateLimit`.
    app.addHook('onRoute', (route) => {
      const which = route.config?.limit ?? 'default';
      if (which === 'none' || limits[which] === 0) return;
      const keyGenerator =
        which === 'default' || which === 'refresh'
          ? (request: FastifyRequest) => request.actor?.id ?? request.ip
          : (request: FastifyRequest) => request.ip;
      route.config = {
        ...route.config,
        rateLimit: { max: limits[which], timeWindow: WINDOWS[which], keyGenerator, groupId: which },
      } as typeof route.config;
    });
    await app.register(rateLimit, {
      global: false,
      hook: 'preHandler',
      ...(app.services.redis && { redis: app.services.redis, nameSpace: 'rate-limit:' }),
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        message: `Too many requests: try again in ${Math.ceil(context.ttl / 1000)} seconds`,
      }),
    });
  },
  { name: 'rate-limits', dependencies: ['services'] },
);
