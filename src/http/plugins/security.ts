import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';
import type { Config } from '../../config.js';

const PERMISSIONS_POLICY = 'geolocation=(), microphone=(), camera=(), payment=(), usb=(), magnetometer=(), gyroscope=(), speaker=()';

/**
 * CORS and security headers, with the reference's values. Helmet's CSP is off: this is
 * a JSON API plus the Swagger UI page, and the old server sent none either.
 *
 * Helmet decides the headers; they depend on its options only, never on the request,
 * so they are worked out once at start-up and set by one synchronous hook.
 * (@fastify/helmet rebuilt helmet's middleware and ran its dozen steps on every
 * request, and the Permissions-Policy header had an onSend hook of its own: together
 * more than half of a cached read's cost — docs/performance.md.)
 */
export default fp(
  async function security(app: FastifyInstance, opts: { config: Config }) {
    const { config } = opts;
    const headers = {
      ...(await helmetHeaders({
        contentSecurityPolicy: false,
        crossOriginEmbedderPolicy: false,
        frameguard: { action: 'deny' },
        referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
        hsts: config.env === 'production' ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      })),
      'permissions-policy': PERMISSIONS_POLICY,
    };
    // Before CORS's hook, so its preflight answers carry them too.
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
    await app.register(cors, {
      origin: config.corsOrigins === '*' ? true : config.corsOrigins,
      credentials: true,
      maxAge: 600,
      // One string, not an array: the plugin joins an array again on every request.
      exposedHeaders: 'ETag, Retry-After, X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset',
    });
  },
  { name: 'security' },
);

/** The headers helmet's middleware sets with `options`, collected from a stand-in response. */
async function helmetHeaders(options: HelmetOptions): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  await new Promise<void>((resolve, reject) => {
    helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => (error ? reject(error) : resolve()));
  });
  return headers;
}
