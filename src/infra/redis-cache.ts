import type { Redis } from 'ioredis';
import { type CacheObserver, GenerationalCache, type StoredEntry } from './cache.js';

export interface RedisCacheReporter extends CacheObserver {
  /** A Redis command failed or timed out. */
  error(): void;
  /** A cache call was answered without Redis (a miss, or nothing stored). */
  fallback(): void;
}

export interface RedisCacheLogger {
  warn(payload: object, message: string): void;
}

/** A cache call that waits longer than this is abandoned: the database answers instead. */
const COMMAND_TIMEOUT_MS = 250;
/** At most one "Redis cache unavailable" warning per this interval, not one per request. */
const WARN_INTERVAL_MS = 30_000;

const EPOCH_KEY = 'cache:epoch';
const generationKey = (scope: string) => `cache:gen:${scope}`;
const valueKey = (entry: string) => `cache:val:${entry}`;

/**
 * The cache on Redis, shared by every instance. Keys live under the connection's
 * REDIS_KEY_PREFIX: `cache:gen:<scope>` counters (INCR) and `cache:val:<entry>`
 * JSON values with an expiry. One MGET reads a value and its scopes' generations.
 *
 * Redis being down must never slow the API: a call is skipped when the connection is
 * not ready (ioredis would otherwise queue it until reconnecting) and abandoned after
 * COMMAND_TIMEOUT_MS; either way it answers as a miss and counts a fallback.
 *
 * An invalidation that could not reach Redis would leave stale values behind once it
 * is back, so every value also carries a global `epoch`, bumped on reconnect when an
 * invalidation was lost: one INCR forgets everything, still without scanning keys.
 */
export class RedisCache extends GenerationalCache {
  private lostInvalidation = false;
  private lastWarnAt = 0;
  private suppressedWarnings = 0;

  constructor(
    private readonly redis: Redis,
    private readonly reporter: RedisCacheReporter,
    private readonly log: RedisCacheLogger,
  ) {
    super(reporter);
    redis.on('ready', () => void this.recoverLostInvalidations());
  }

  protected async read(entry: string, scopes: readonly string[]): Promise<{ stored: StoredEntry | undefined; generations: number[] } | undefined> {
    const replies = await this.run('read', (redis) => redis.mget(valueKey(entry), EPOCH_KEY, ...scopes.map(generationKey)));
    if (!replies) return undefined;
    // The epoch leads the scopes' generations; entries store that same list, so a
    // bumped epoch makes every stored entry a miss.
    const [raw, ...generations] = replies;
    return { stored: parseEntry(raw ?? null), generations: generations.map((generation) => Number(generation ?? 0)) };
  }

  protected async write(entry: string, stored: StoredEntry, ttlSeconds: number): Promise<void> {
    await this.run('write', (redis) => redis.set(valueKey(entry), JSON.stringify(stored), 'EX', Math.max(1, Math.round(ttlSeconds))));
  }

  async invalidate(scope: string): Promise<void> {
    const done = await this.run('invalidate', (redis) => redis.incr(generationKey(scope)));
    if (done === undefined) this.lostInvalidation = true;
  }

  private async recoverLostInvalidations(): Promise<void> {
    if (!this.lostInvalidation) return;
    this.lostInvalidation = false;
    const bumped = await this.run('recover', (redis) => redis.incr(EPOCH_KEY));
    if (bumped === undefined) this.lostInvalidation = true;
    else this.log.warn({ epoch: bumped }, 'Redis cache is back: forgot every cached value, some invalidations were lost while it was down');
  }

  /** `command` against Redis, or undefined (counted and logged) when Redis cannot answer in time. */
  private async run<T>(operation: string, command: (redis: Redis) => Promise<T>): Promise<T | undefined> {
    if (this.redis.status !== 'ready') {
      this.unavailable(operation, undefined);
      return undefined;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis cache ${operation} timed out after ${COMMAND_TIMEOUT_MS} ms`)), COMMAND_TIMEOUT_MS);
      });
      return await Promise.race([command(this.redis), timeout]);
    } catch (error) {
      this.reporter.error();
      this.unavailable(operation, error);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private unavailable(operation: string, error: unknown): void {
    this.reporter.fallback();
    const now = Date.now();
    if (now - this.lastWarnAt < WARN_INTERVAL_MS) {
      this.suppressedWarnings += 1;
      return;
    }
    this.log.warn(
      { err: error, operation, redisStatus: this.redis.status, suppressedSinceLastWarning: this.suppressedWarnings },
      'Redis cache unavailable: answering from the database',
    );
    this.lastWarnAt = now;
    this.suppressedWarnings = 0;
  }
}

function parseEntry(raw: string | null): StoredEntry | undefined {
  if (raw === null) return undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<StoredEntry>;
    return Array.isArray(parsed.generations) ? { generations: parsed.generations, value: parsed.value } : undefined;
  } catch {
    return undefined;
  }
}
