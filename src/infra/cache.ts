import { LRUCache } from 'lru-cache';

/**
 * A small async cache with O(1) invalidation by generation: every cached value lives
 * under one or more scopes (`project:<id>`, `team:<id>`, `user:<id>`, …) and is
 * stored together with the generation numbers those scopes had when its data was
 * read. Invalidating a scope is one counter bump; a value whose recorded generations
 * no longer match is a miss and simply ages out. Never a `KEYS` scan.
 *
 * A cache is an optimisation only: implementations swallow their own failures
 * (reporting them) and answer as a miss, so callers fall back to the database.
 */
export interface Cache {
  /**
   * The cached value of `key` under `scopes`, or else `load()`'s, which is then
   * stored. The generations are read *before* `load` runs, so a change committed
   * while `load` reads the database leaves the stored value already outdated rather
   * than fresh-looking.
   */
  remember<T>(scopes: readonly string[], key: string, load: () => Promise<T>, ttlSeconds?: number): Promise<T>;
  get<T>(scope: string, key: string): Promise<T | undefined>;
  set(scope: string, key: string, value: unknown, ttlSeconds?: number): Promise<void>;
  /** Forget everything cached under `scope`. */
  invalidate(scope: string): Promise<void>;
}

export const DEFAULT_TTL_SECONDS = 300;

/** What a cache reports; `createMetrics` provides these counters. */
export interface CacheObserver {
  hit(): void;
  miss(): void;
}

export const SILENT_OBSERVER: CacheObserver = { hit: () => {}, miss: () => {} };

/** A value as stored: with the generations of its scopes at read time. */
export interface StoredEntry {
  generations: number[];
  value: unknown;
}

export function sameGenerations(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((generation, index) => generation === b[index]);
}

/** The entry's own key: scopes are part of it, so two callers' equal keys never collide. */
export function entryKey(scopes: readonly string[], key: string): string {
  return `${scopes.join(',')}|${key}`;
}

/**
 * The shared get-or-load logic over a cache's three primitives: read the entry and
 * the scopes' current generations together, and store a loaded value with the
 * generations seen before loading.
 */
export abstract class GenerationalCache implements Cache {
  constructor(protected readonly observer: CacheObserver = SILENT_OBSERVER) {}

  /** The stored entry (if any) and the scopes' current generations, in one trip. */
  protected abstract read(entry: string, scopes: readonly string[]): Promise<{ stored: StoredEntry | undefined; generations: number[] } | undefined>;
  protected abstract write(entry: string, stored: StoredEntry, ttlSeconds: number): Promise<void>;
  abstract invalidate(scope: string): Promise<void>;

  async remember<T>(scopes: readonly string[], key: string, load: () => Promise<T>, ttlSeconds = DEFAULT_TTL_SECONDS): Promise<T> {
    const entry = entryKey(scopes, key);
    const found = await this.read(entry, scopes);
    if (found?.stored && sameGenerations(found.stored.generations, found.generations)) {
      this.observer.hit();
      return found.stored.value as T;
    }
    this.observer.miss();
    const value = await load();
    // Without generations (the cache was unreachable) nothing is stored: a value
    // tagged with guessed generations could look fresh after an invalidation was lost.
    if (found) await this.write(entry, { generations: found.generations, value: toJson(value) }, ttlSeconds);
    return value;
  }

  async get<T>(scope: string, key: string): Promise<T | undefined> {
    const found = await this.read(entryKey([scope], key), [scope]);
    if (found?.stored && sameGenerations(found.stored.generations, found.generations)) {
      this.observer.hit();
      return found.stored.value as T;
    }
    this.observer.miss();
    return undefined;
  }

  async set(scope: string, key: string, value: unknown, ttlSeconds = DEFAULT_TTL_SECONDS): Promise<void> {
    const found = await this.read(entryKey([scope], key), [scope]);
    if (found) await this.write(entryKey([scope], key), { generations: found.generations, value: toJson(value) }, ttlSeconds);
  }
}

/**
 * Values go through JSON in every implementation, as Redis needs, so a caller can
 * never share or mutate a cached object by accident and both caches behave alike
 * (dates come back as ISO strings: callers revive what they need).
 */
function toJson(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

/** The embedded default: an in-process LRU, bounded in entries. */
export class MemoryCache extends GenerationalCache {
  private readonly entries = new LRUCache<string, StoredEntry>({ max: 10_000, ttlAutopurge: false });
  // A plain map, not an LRU: evicting a generation would restart it at 0, a number
  // older entries may still carry. One small number per project/team/user touched.
  private readonly generations = new Map<string, number>();

  protected async read(entry: string, scopes: readonly string[]) {
    return { stored: this.entries.get(entry), generations: scopes.map((scope) => this.generations.get(scope) ?? 0) };
  }

  protected async write(entry: string, stored: StoredEntry, ttlSeconds: number): Promise<void> {
    this.entries.set(entry, stored, { ttl: ttlSeconds * 1000 });
  }

  async invalidate(scope: string): Promise<void> {
    this.generations.set(scope, (this.generations.get(scope) ?? 0) + 1);
  }
}
