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

    app.addHook('onRequest', async (request, reply) => {
      reply.header('X-Request-Id', request.id);
    });
    app.addHook('onResponse', async (request, reply) => {
      metrics.httpDuration.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });

    app.get('/metrics', { schema: { hide: true }, config: { limit: 'none' } }, async (request, reply) => {
      if (config.metricsToken && request.headers.authorization !== `Bearer ${config.metricsToken}`) {
        return reply.status(401).send({ detail: 'Not authenticated' });
      }
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  },
  { name: 'observability', dependencies: ['services'] },
);
