import { LRUCache } from 'lru-cache';

export interface MemoMapOptions<V = unknown> {
  /** Entries kept at most (least recently used go first). */
  max: number;
  /**
   * How long an entry may be trusted without an invalidation. Events invalidate at
   * once; this bounds the damage of one that never arrived (another process changed
   * the database, or the cross-instance relay was down).
   */
  ttlMs: number;
  /** Bounds the entries by size too: `size` estimates one value's bytes. */
  maxBytes?: { max: number; size: (value: V) => number } | undefined;
}

/**
 * A bounded in-process memo of values loaded from the database, invalidated by
 * key. Two properties matter for access decisions:
 * - an invalidation that lands while a load is in flight wins: the loaded value
 *   (read before the change committed) is handed to its caller but not kept;
 * - concurrent misses of one key share one load.
 */
export class MemoMap<K extends string, V> {
  private readonly values: LRUCache<K, { value: V }>;
  private readonly loading = new Map<K, Promise<V>>();
  // Bumped by every invalidation of a key (and by clear, for all keys at once), so a
  // load can tell whether it raced one. Bounded like the values it guards.
  private readonly versions: LRUCache<K, number>;
  private epoch = 0;

  constructor(options: MemoMapOptions<V>) {
    const { maxBytes } = options;
    this.values = new LRUCache({
      max: options.max,
      ttl: options.ttlMs,
      ...(maxBytes && { maxSize: maxBytes.max, sizeCalculation: (entry: { value: V }) => Math.max(1, maxBytes.size(entry.value)) }),
    });
    this.versions = new LRUCache({ max: options.max * 2 });
  }

  /**
   * The kept value, or `load`'s. `shared: false` neither joins nor offers the load to
   * other callers: for a load inside a transaction, which must not wait for a load on
   * another connection (on the embedded database that one waits for the transaction).
   */
  get(key: K, load: () => Promise<V>, options: { shared?: boolean } = {}): V | Promise<V> {
    const hit = this.values.get(key);
    if (hit) return hit.value;
    const shared = options.shared ?? true;
    const inFlight = shared ? this.loading.get(key) : undefined;
    if (inFlight) return inFlight;
    const version = this.versions.get(key) ?? 0;
    const epoch = this.epoch;
    const promise = load().then(
      (value) => {
        if (this.loading.get(key) === promise) this.loading.delete(key);
        if (epoch === this.epoch && (this.versions.get(key) ?? 0) === version) this.values.set(key, { value });
        return value;
      },
      (error: unknown) => {
        if (this.loading.get(key) === promise) this.loading.delete(key);
        throw error;
      },
    );
    if (shared) this.loading.set(key, promise);
    return promise;
  }

  /** Keeps `value`, as if just loaded; a load in flight was read before it and is not kept. */
  keep(key: K, value: V): void {
    this.forgetLoad(key);
    this.values.set(key, { value });
  }

  /** A load in flight for `key` was read before what is kept now: it is not kept. */
  private forgetLoad(key: K): void {
    this.loading.delete(key);
    this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
  }

  /** The kept value, if any; never loads. */
  peek(key: K): V | undefined {
    return this.values.get(key)?.value;
  }

  /**
   * Replaces a kept value with `change(value)`; with none kept, nothing happens. A
   * load in flight was read before the change and is not kept. The entry keeps its
   * age: what was never reloaded still runs out after `ttlMs`.
   */
  update(key: K, change: (value: V) => V): void {
    const hit = this.values.get(key);
    if (!hit) return;
    this.forgetLoad(key);
    this.values.set(key, { value: change(hit.value) }, { noUpdateTTL: true });
  }

  invalidate(key: K): void {
    this.values.delete(key);
    this.loading.delete(key);
    this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
  }

  /** Entries whose value matches, e.g. every project of a deleted team. */
  invalidateWhere(matches: (value: V) => boolean): void {
    for (const [key, entry] of this.values.entries()) if (matches(entry.value)) this.invalidate(key);
  }

  clear(): void {
    this.values.clear();
    this.loading.clear();
    this.epoch += 1;
  }

  get size(): number {
    return this.values.size;
  }
}
