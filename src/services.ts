import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { type Database, openDatabase } from './db/client.js';
import { AuthService } from './domain/auth/service.js';
import { TokenIssuer } from './domain/auth/tokens.js';
import { EventBus } from './events/bus.js';
import { type Cache, MemoryCache } from './infra/cache.js';
import { type Metrics, createMetrics } from './infra/metrics.js';
import { createRedis } from './infra/redis.js';
import { resolveJwtSecrets } from './infra/secrets.js';

/** The long-lived parts one app instance owns, created once and closed once. */
export interface AppServices {
  config: Config;
  database: Database;
  redis: Redis | undefined;
  auth: AuthService;
  metrics: Metrics;
  events: EventBus;
  cache: Cache;
}

export async function createServices(config: Config, log: FastifyBaseLogger): Promise<AppServices> {
  const database = await openDatabase(config.database);
  try {
    await database.migrate();
    const redis = config.redis ? createRedis(config.redis.url, config.redis.keyPrefix) : undefined;
    if (redis) {
      // Start without Redis if it is down: readiness reports it and features fall back.
      await redis.connect().catch((error: unknown) => log.warn({ err: error }, 'Redis is not reachable at start-up'));
    }
    const secrets = await resolveJwtSecrets(config, log);
    const tokens = new TokenIssuer({
      ...secrets,
      accessTtlSeconds: config.jwt.accessTtlSeconds,
      refreshTtlSeconds: config.jwt.refreshTtlSeconds,
    });
    return {
      config,
      database,
      redis,
      auth: new AuthService(tokens),
      metrics: createMetrics(),
      events: new EventBus(log),
      cache: new MemoryCache(),
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

export async function closeServices(services: AppServices): Promise<void> {
  services.redis?.disconnect();
  await services.database.close();
}
