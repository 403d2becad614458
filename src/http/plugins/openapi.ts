import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const API_VERSION = '0.1.0';

/**
 * OpenAPI built from the route schemas themselves. The `/v1` copies are left out of
 * the document (they are byte-for-byte the same routes) to keep it readable.
 */
export default fp(
  async function openapi(app: FastifyInstance) {
    await app.register(swagger, {
      openapi: {
        info: {
          title: 'InTracker API',
          version: API_VERSION,
          description: 'Every route is also served under /v1 with the same behaviour.',
        },
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        },
      },
      transform: ({ schema, url }) => ({
        schema: url.startsWith('/v1/') ? { ...schema, hide: true } : schema,
        url,
      }),
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    // The /v1 copies, as the README promises "every route is also served under /v1". The
    // second UI lives in a child context of its own (the plugin decorates its instance).
    await app.register(async (v1) => {
      await v1.register(swaggerUi, { routePrefix: '/v1/docs' });
    });
    for (const path of ['/openapi.json', '/v1/openapi.json']) {
      app.get(path, { schema: { hide: true } }, async () => app.swagger());
    }
  },
  { name: 'openapi' },
);
