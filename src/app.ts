import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config.js';
import { ensureFirstAdmin, type FirstStart } from './domain/users/bootstrap.js';
import authentication from './http/plugins/auth.js';
import errorHandling from './http/plugins/errors.js';
import etags from './http/plugins/etag.js';
import observability from './http/plugins/observability.js';
import openapi from './http/plugins/openapi.js';
import rateLimits from './http/plugins/rate-limit.js';
import { lazySchemaCompilers } from './http/plugins/schema-compilers.js';
import security from './http/plugins/security.js';
import servicesPlugin from './http/plugins/services.js';
import loadShedding from './http/plugins/under-pressure.js';
import apiRoutes from './http/routes/index.js';
import homeRoutes from './http/routes/home.js';
import hubRoutes from './http/routes/hub.js';
import systemRoutes from './http/routes/system.js';
import { ErrorResponse } from './http/schemas/common.js';
import { Project } from './http/schemas/project.js';
import { User } from './http/schemas/user.js';
import { type LogDestination, loggerOptions } from './infra/logging.js';
import realtime from './realtime/plugin.js';
import mcpPlugin from './mcp/plugin.js';
import { closeServices, createServices } from './services.js';

export interface BuiltApp {
  fastify: FastifyInstance;
  firstStart: FirstStart;
  close(): Promise<void>;
}

export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Builds the whole server for `config`: database (migrated), services, plugins in
 * fastify/demo's order (external, then ours), then routes. Tests call this with a
 * random port; `intracker serve` calls it and listens.
 */
export async function buildApp(config: Config, options: { logger?: boolean; logStream?: LogDestination } = {}): Promise<BuiltApp> {
  const schemaCompilers = lazySchemaCompilers();
  const fastify = Fastify({
    logger: options.logger === false ? false : loggerOptions(config.logLevel, options.logStream),
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    },
    bodyLimit: BODY_LIMIT_BYTES,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: true, allErrors: true } },
    forceCloseConnections: true,
    schemaController: { compilersFactory: { buildValidator: schemaCompilers.buildValidator, buildSerializer: schemaCompilers.buildSerializer } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // JSON is the only body this API takes; without Fastify's text/plain parser a
  // plain-text body is refused as 415 instead of reaching validation as a string.
  fastify.removeContentTypeParser('text/plain');

  const services = await createServices(config, fastify.log);
  try {
    const firstStart = await ensureFirstAdmin(services.database.db, (actor) => services.contextFor(actor), config.bootstrapAdmin);

    fastify.addSchema(ErrorResponse);
    fastify.addSchema(User);
    fastify.addSchema(Project);
    await fastify.register(servicesPlugin, { services });
    await fastify.register(errorHandling);
    await fastify.register(security, { config });
    await fastify.register(openapi);
    await fastify.register(loadShedding, { config });
    await fastify.register(authentication);
    await fastify.register(rateLimits, { config });
    await fastify.register(observability);
    await fastify.register(etags);

    await fastify.register(homeRoutes);
    await fastify.register(systemRoutes);
    await fastify.register(systemRoutes, { prefix: '/v1' });
    await fastify.register(apiRoutes);
    await fastify.register(apiRoutes, { prefix: '/v1' });
    await fastify.register(realtime);
    await fastify.register(hubRoutes);
    await fastify.register(hubRoutes, { prefix: '/v1' });
    await fastify.register(mcpPlugin);

    fastify.addHook('onListen', async () => schemaCompilers.warm());
    fastify.addHook('onClose', async () => closeServices(services));
    await fastify.ready();
    if (config.jobs.inServer) await services.startJobs();
    return { fastify, firstStart, close: () => fastify.close() };
  } catch (error) {
    await closeServices(services);
    throw error;
  }
}
