import { LRUCache } from 'lru-cache';

/**
 * A small async cache with O(1) invalidation by generation: every cached key lives
 * under a scope (`project:<id>`, `team:<id>`, …) whose generation number is part of
 * the key, so invalidating a scope is one counter bump and old entries simply age
 * out. Never a `KEYS` scan.
 *
 * A cache is an optimisation only: implementations swallow their own failures
 * (reporting them) and answer as a miss, so callers fall back to the database.
 */
export interface Cache {
  get<T>(scope: string, key: string): Promise<T | undefined>;
  set(scope: string, key: string, value: unknown, ttlSeconds?: number): Promise<void>;
  /** Forget everything cached under `scope`. */
  invalidate(scope: string): Promise<void>;
}

export const DEFAULT_TTL_SECONDS = 300;

/** The embedded default: an in-process LRU, bounded in entries. */
export class MemoryCache implements Cache {
  private readonly entries = new LRUCache<string, { value: unknown }>({ max: 10_000, ttlAutopurge: false });
  private readonly generations = new LRUCache<string, number>({ max: 100_000 });

  async get<T>(scope: string, key: string): Promise<T | undefined> {
    return this.entries.get(this.keyOf(scope, key))?.value as T | undefined;
  }

  async set(scope: string, key: string, value: unknown, ttlSeconds = DEFAULT_TTL_SECONDS): Promise<void> {
    // Values are cloned through JSON, as Redis would, so callers can never share or
    // mutate a cached object by accident.
    this.entries.set(this.keyOf(scope, key), { value: JSON.parse(JSON.stringify(value)) }, { ttl: ttlSeconds * 1000 });
  }

  async invalidate(scope: string): Promise<void> {
    this.generations.set(scope, (this.generations.get(scope) ?? 0) + 1);
  }

  private keyOf(scope: string, key: string): string {
    return `${scope}:g${this.generations.get(scope) ?? 0}:${key}`;
  }
}
