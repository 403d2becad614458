import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { startLoopMonitor } from '../../infra/loop-monitor.js';

/**
 * Request timing into the HTTP histogram (labelled by route pattern, never by raw
 * URL), the loop-block monitor, the request id echoed back, and `GET /metrics`.
 */
export default fp(
  async function observability(app: FastifyInstance) {
    const { metrics, config } = app.services;
    const stopLoopMonitor = startLoopMonitor(metrics, app.log, config.loopBlockWarnMs);
    app.addHook('onClose', async () => stopLoopMonitor());

    // Synchronous: an async hook costs every request a promise.
    app.addHook('onRequest', (request, reply, done) => {
      reply.header('X-Request-Id', request.id);
      done();
    });
    app.addHook('onResponse', async (request, reply) => {
      metrics.httpDuration.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });

    const tokenDigest = config.metricsToken === undefined ? undefined : sha256(`Bearer ${config.metricsToken}`);
    // Scrapes go on under load shedding: that is when the numbers matter most.
    const routeConfig = { limit: 'none' as const, underPressure: 'serve' as const };
    app.get('/metrics', { schema: { hide: true }, config: routeConfig }, async (request, reply) => {
      if (tokenDigest && !timingSafeEqual(sha256(request.headers.authorization ?? ''), tokenDigest)) {
        reply.header('WWW-Authenticate', 'Bearer');
        return reply.status(401).send({ detail: 'Not authenticated' });
      }
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  },
  { name: 'observability', dependencies: ['services'] },
);

/**
 * Equal-length digests for a constant-time comparison: comparing the header itself
 * would leak the token's length, and a plain `!==` how many leading bytes matched.
 */
function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
