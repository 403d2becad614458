import type { FastifyInstance } from 'fastify';
import { API_VERSION } from '../plugins/openapi.js';

const health = (status: string) => ({ status, timestamp: new Date().toISOString(), version: API_VERSION });

/** Unversioned service routes: liveness, readiness and the API's self-description. */
export default async function systemRoutes(app: FastifyInstance) {
  // Liveness without I/O; under load shedding it answers 503 naming the limit passed,
  // so a load balancer stops sending traffic here until the instance recovers.
  app.get(
    '/health',
    {
      schema: { tags: ['system'] },
      config: { limit: 'none', underPressure: (pressure) => ({ ...health('under_pressure'), pressure }) },
    },
    async () => health('ok'),
  );

  app.get('/health/ready', { schema: { tags: ['system'] }, config: { limit: 'none' } }, async (_request, reply) => {
    const { database, redis } = app.services;
    const checks = {
      database: await database.ping().then(
        () => 'ok',
        () => 'unreachable',
      ),
      redis: redis
        ? await redis.ping().then(
            () => 'ok',
            () => 'unreachable',
          )
        : 'not configured',
    };
    const ready = checks.database === 'ok' && checks.redis !== 'unreachable';
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/api', { schema: { tags: ['system'] } }, async () => ({
    message: 'InTracker API',
    version: API_VERSION,
    api_versioning: {
      default_version: 'v1',
      latest_version: 'v1',
      supported_versions: ['v1'],
      versioning_strategy: 'url_path',
      version_format: '/v{major}',
    },
    endpoints: { docs: '/docs', openapi: '/openapi.json', health: '/health', v1: '/v1' },
  }));

  app.get('/api/versions', { schema: { tags: ['system'] } }, async () => ({
    versions: [{ version: 'v1', is_default: true, is_latest: true, status: 'stable' }],
    default_version: 'v1',
    latest_version: 'v1',
  }));
}
