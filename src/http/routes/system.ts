import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppServices } from '../../services.js';
import { API_VERSION } from '../plugins/openapi.js';

// Response schemas let fast-json-stringify serialize these (and document them).
const Health = Type.Object({ status: Type.String(), timestamp: Type.String(), version: Type.String() });
const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not ready')]),
  checks: Type.Object({ database: Type.String(), redis: Type.String() }),
});
const ApiInfo = Type.Object({
  message: Type.String(),
  version: Type.String(),
  api_versioning: Type.Object({
    default_version: Type.String(),
    latest_version: Type.String(),
    supported_versions: Type.Array(Type.String()),
    versioning_strategy: Type.String(),
    version_format: Type.String(),
  }),
  endpoints: Type.Record(Type.String(), Type.String()),
});
const ApiVersions = Type.Object({
  versions: Type.Array(Type.Object({ version: Type.String(), is_default: Type.Boolean(), is_latest: Type.Boolean(), status: Type.String() })),
  default_version: Type.String(),
  latest_version: Type.String(),
});

const UnderPressure = Type.Object({
  status: Type.Literal('under_pressure'),
  timestamp: Type.String(),
  version: Type.String(),
  pressure: Type.Object({ type: Type.String(), value: Type.Optional(Type.Number()) }, { additionalProperties: true }),
});

/** What readiness and the page at `/` report: each dependency `ok`, `unreachable` or `not configured`. */
export async function readinessChecks(services: Pick<AppServices, 'database' | 'redis'>): Promise<{ database: string; redis: string }> {
  const { database, redis } = services;
  const outcome = (probe: Promise<unknown>) =>
    probe.then(
      () => 'ok',
      () => 'unreachable',
    );
  return { database: await outcome(database.ping()), redis: redis ? await outcome(redis.ping()) : 'not configured' };
}

const health = (status: string) => ({ status, timestamp: new Date().toISOString(), version: API_VERSION });

/** Unversioned service routes: liveness, readiness and the API's self-description. */
export default async function systemRoutes(app: FastifyInstance) {
  // Liveness without I/O; under load shedding it answers 503 naming the limit passed,
  // so a load balancer stops sending traffic here until the instance recovers.
  app.get(
    '/health',
    {
      schema: { tags: ['system'], response: { 200: Health, 503: UnderPressure } },
      config: { limit: 'none', underPressure: (pressure) => ({ ...health('under_pressure'), pressure }) },
    },
    async () => health('ok'),
  );

  app.get('/health/ready', { schema: { tags: ['system'], response: { 200: Readiness, 503: Readiness } }, config: { limit: 'none' } }, async (_request, reply) => {
    const checks = await readinessChecks(app.services);
    const ready = checks.database === 'ok' && checks.redis !== 'unreachable';
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/api', { schema: { tags: ['system'], response: { 200: ApiInfo } } }, async () => ({
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

  app.get('/api/versions', { schema: { tags: ['system'], response: { 200: ApiVersions } } }, async () => ({
    versions: [{ version: 'v1', is_default: true, is_latest: true, status: 'stable' }],
    default_version: 'v1',
    latest_version: 'v1',
  }));
}
