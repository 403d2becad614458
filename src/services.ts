import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { type Database, openDatabase } from './db/client.js';
import { AuthService } from './domain/auth/service.js';
import { TokenIssuer } from './domain/auth/tokens.js';
import { type AccessScope, type Actor, type ServiceContext, contextFor } from './domain/context.js';
import { EventNumbering } from './domain/event-numbering.js';
import { PreparedStatements } from './domain/statements.js';
import { DomainMemo } from './domain/memo.js';
import { EventBus } from './events/bus.js';
import { subscribeCacheInvalidation } from './events/cache-invalidation.js';
import { subscribeMemoInvalidation } from './events/memo-invalidation.js';
import { type EventRelay, startEventRelay } from './events/relay.js';
import { type Cache, type CacheObserver, MemoryCache } from './infra/cache.js';
import { type Jobs, type JobHandlers, createJobs } from './infra/jobs/index.js';
import { type Metrics, createMetrics } from './infra/metrics.js';
import { deleteExpiredRefreshTokens } from './domain/maintenance.js';
import { expireLapsedClaims } from './domain/todos/claim-expiry.js';
import { createMailer, type Mailer } from './integrations/email/index.js';
import { emailJobHandler } from './integrations/email/job.js';
import { PasswordHashing } from './infra/passwords.js';
import { createRedis } from './infra/redis.js';
import { RedisCache } from './infra/redis-cache.js';
import { resolveEncryptionKeys, resolveJwtSecrets } from './infra/secrets.js';
import { SecretBox } from './infra/secret-box.js';
import { GitHubIntegration } from './domain/github/integration.js';
import { runImportJob } from './domain/github/import-jobs.js';
import { GitHubClients } from './integrations/github/octokit.js';
import { createOAuthStateStore } from './integrations/github/oauth-state.js';

/** The long-lived parts one app instance owns, created once and closed once. */
export interface AppServices {
  config: Config;
  database: Database;
  redis: Redis | undefined;
  auth: AuthService;
  metrics: Metrics;
  events: EventBus;
  cache: Cache;
  memo: DomainMemo;
  /** Carries events between instances; only with Redis. */
  relay: EventRelay | undefined;
  /** The background queue; every process may enqueue, only one that called `startJobs` runs them. */
  jobs: Jobs;
  mailer: Mailer;
  github: GitHubIntegration;
  /** Starts consuming jobs here (the server unless JOBS_IN_SERVER=false, or `intracker worker`). */
  startJobs(): Promise<void>;
  /** The service context for `actor` within `scope` (REST request, MCP call, hub invocation). */
  contextFor(actor: Actor, scope?: AccessScope): ServiceContext;
}

const EXPIRED_TOKENS_EVERY_MS = 3_600_000;

export interface ServiceOptions {
  /**
   * When another process owns the embedded data directory: `refuse` (a server must own
   * its database) or `join` (`intracker mcp` works through the owner's database).
   */
  whenDataDirOwned?: 'join' | 'refuse';
}

export async function createServices(config: Config, log: FastifyBaseLogger, options: ServiceOptions = {}): Promise<AppServices> {
  // Made before the database, whose pool reports into it from the first query.
  const metrics = createMetrics();
  const database = await openDatabase(config.database, {
    whenOwned: options.whenDataDirOwned ?? 'refuse',
    observer: metrics.db.observer,
    onEmbeddedFailure: (error) => log.fatal({ err: error }, 'the embedded database stopped: every query fails from here on'),
  });
  try {
    await database.migrate();
    const redis = config.redis ? await createRedis(config.redis.url, config.redis.keyPrefix) : undefined;
    if (redis) {
      // Without a listener ioredis reports every failed reconnect as an unhandled error.
      let lastWarnAt = 0;
      redis.on('error', (error: unknown) => {
        if (Date.now() - lastWarnAt < 30_000) return;
        lastWarnAt = Date.now();
        log.warn({ err: error }, 'Redis connection error (repeats are silenced for 30 s)');
      });
      // Start without Redis if it is down: readiness reports it and features fall back.
      await redis.connect().catch((error: unknown) => log.warn({ err: error }, 'Redis is not reachable at start-up'));
    }
    const secrets = await resolveJwtSecrets(config, log);
    const tokens = new TokenIssuer({
      ...secrets,
      accessTtlSeconds: config.jwt.accessTtlSeconds,
      refreshTtlSeconds: config.jwt.refreshTtlSeconds,
    });
    const events = new EventBus(log);
    const cache = createCache(redis, metrics, log);
    subscribeCacheInvalidation(events, cache);
    const memo = new DomainMemo();
    subscribeMemoInvalidation(events, memo);
    const relay = redis
      ? startEventRelay({ events, redis, keyPrefix: config.redis!.keyPrefix, log, onGap: () => memo.clear() })
      : undefined;
    const limits = { documentQuotaBytes: config.documentQuotaBytes };
    const github = new GitHubIntegration(
      config.github,
      new GitHubClients(config.github, log),
      await SecretBox.create(await resolveEncryptionKeys(config, log)),
      createOAuthStateStore(redis),
    );
    const deps = {
      db: database.db,
      events,
      cache,
      memo,
      numbering: new EventNumbering(database.db),
      statements: new PreparedStatements(database.db),
      limits,
      github,
    };
    const mailer = await createMailer(config.email);
    const jobs = await createJobs(config, database.db, metrics.jobs.observer, log);
    metrics.jobs.countFrom(() => jobs.counts());
    const handlers: JobHandlers = {
      'email.send': emailJobHandler(database.db, mailer, log),
      'maintenance.expired-tokens': async () => {
        const deleted = await deleteExpiredRefreshTokens(database.db);
        if (deleted > 0) log.info({ deleted }, 'deleted expired refresh tokens');
      },
      'maintenance.expired-claims': async () => {
        const cleared = await expireLapsedClaims(database.db, (actor) => contextFor(deps, actor));
        if (cleared > 0) log.info({ cleared }, 'cleared lapsed todo claims');
      },
      'github.import': (payload, run) => runImportJob(database.db, (actor) => contextFor(deps, actor), payload, run),
    };
    return {
      config,
      database,
      redis,
      auth: new AuthService(tokens, memo, new PasswordHashing(config.passwordHashConcurrency)),
      metrics,
      events,
      cache,
      memo,
      relay,
      jobs,
      mailer,
      github,
      startJobs: () =>
        jobs.start(handlers, [
          { name: 'maintenance.expired-tokens', everyMs: EXPIRED_TOKENS_EVERY_MS },
          { name: 'maintenance.expired-claims', everyMs: config.jobs.claimExpiryEveryMs },
        ]),
      contextFor: (actor, scope) => contextFor(deps, actor, scope),
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** Redis when configured (shared by every instance), else the in-process LRU. */
function createCache(redis: Redis | undefined, metrics: Metrics, log: FastifyBaseLogger): Cache {
  const observer: CacheObserver = { hit: () => metrics.cacheHits.inc(), miss: () => metrics.cacheMisses.inc() };
  if (!redis) return new MemoryCache(observer);
  return new RedisCache(
    redis,
    { ...observer, error: () => metrics.cacheErrors.inc(), fallback: () => metrics.cacheRedisFallbacks.inc() },
    log,
  );
}

export async function closeServices(services: AppServices): Promise<void> {
  services.relay?.close();
  // Running jobs finish (or time out) while the database and Redis are still there.
  await services.jobs.close();
  await services.mailer.close();
  services.redis?.disconnect();
  await services.database.close();
}
