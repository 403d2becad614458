import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config.js';

/**
 * CORS and security headers, with the reference's values. Helmet's CSP is off: this is
 * a JSON API plus the Swagger UI page, and the old server sent none either.
 */
export default fp(
  async function security(app: FastifyInstance, opts: { config: Config }) {
    const { config } = opts;
    await app.register(cors, {
      origin: config.corsOrigins === '*' ? true : config.corsOrigins,
      credentials: true,
      maxAge: 600,
      exposedHeaders: ['ETag', 'Retry-After', 'X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'],
    });
    await app.register(helmet, {
      contentSecurityPolicy: false,
      crossOriginEmbedderPolicy: false,
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
      hsts: config.env === 'production' ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    });
    app.addHook('onSend', async (_request, reply) => {
      reply.header(
        'Permissions-Policy',
        'geolocation=(), microphone=(), camera=(), payment=(), usb=(), magnetometer=(), gyroscope=(), speaker=()',
      );
    });
  },
  { name: 'security' },
);
