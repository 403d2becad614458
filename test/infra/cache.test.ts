import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type Cache, MemoryCache } from '../../src/infra/cache.js';
import { RedisCache, type RedisCacheReporter } from '../../src/infra/redis-cache.js';
import { unique } from '../helpers/server.js';

function counting(): RedisCacheReporter & { counts: Record<'hit' | 'miss' | 'error' | 'fallback', number> } {
  const counts = { hit: 0, miss: 0, error: 0, fallback: 0 };
  return {
    counts,
    hit: () => void counts.hit++,
    miss: () => void counts.miss++,
    error: () => void counts.error++,
    fallback: () => void counts.fallback++,
  };
}

const warnings: string[] = [];
const log = { warn: (_payload: object, message: string) => void warnings.push(message) };
const redisUrl = inject('redisUrl');
const clients: Redis[] = [];

function redisClient(url: string, prefix: string): Redis {
  const client = new Redis(url, { keyPrefix: prefix, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  client.on('error', () => {});
  clients.push(client);
  return client;
}

afterAll(() => {
  for (const client of clients) client.disconnect();
});

/** The contract both caches keep; runs on Redis when the run has one (REDIS_URL). */
describe(`cache contract (${redisUrl ? 'Redis' : 'memory'})`, () => {
  async function makeCache(): Promise<Cache> {
    if (!redisUrl) return new MemoryCache();
    const client = redisClient(redisUrl, `${inject('redisPrefix')}${unique('contract-')}:`);
    await client.connect();
    return new RedisCache(client, counting(), log);
  }

  it('loads once, then answers from the cache until a scope is invalidated', async () => {
    const cache = await makeCache();
    let loads = 0;
    const load = async () => ({ n: ++loads, at: new Date(0) });
    expect(await cache.remember(['team:a', 'team:b'], 'k', load)).toEqual({ n: 1, at: new Date(0) });
    // Values come back through JSON, dates as ISO strings, in both caches alike.
    expect(await cache.remember(['team:a', 'team:b'], 'k', load)).toEqual({ n: 1, at: '1970-01-01T00:00:00.000Z' });
    await cache.invalidate('team:b');
    expect(await cache.remember(['team:a', 'team:b'], 'k', load)).toMatchObject({ n: 2 });
    await cache.invalidate('team:other');
    expect(await cache.remember(['team:a', 'team:b'], 'k', load)).toMatchObject({ n: 2 });
  });

  it('never keeps a value read while its scope was being invalidated', async () => {
    const cache = await makeCache();
    const stale = await cache.remember(['project:p'], 'k', async () => {
      // A change commits (and invalidates) while this load is still reading.
      await cache.invalidate('project:p');
      return 'stale';
    });
    expect(stale).toBe('stale');
    expect(await cache.remember(['project:p'], 'k', async () => 'fresh')).toBe('fresh');
  });

  it('keeps equal keys of different scopes apart, and get/set work on one scope', async () => {
    const cache = await makeCache();
    await cache.remember(['team:x'], 'same', async () => 'x');
    expect(await cache.remember(['team:y'], 'same', async () => 'y')).toBe('y');
    await cache.set('project:q', 'context', { a: 1 });
    expect(await cache.get('project:q', 'context')).toEqual({ a: 1 });
    await cache.invalidate('project:q');
    expect(await cache.get('project:q', 'context')).toBeUndefined();
  });
});

describe('Redis cache with Redis down', () => {
  it('answers every call as a miss at once, counts fallbacks and warns once', async () => {
    const client = redisClient('redis://127.0.0.1:1', 'down:');
    await client.connect().catch(() => {});
    const reporter = counting();
    const messages: string[] = [];
    const cache = new RedisCache(client, reporter, { warn: (_payload, message) => void messages.push(message) });
    const started = performance.now();
    for (let index = 0; index < 20; index++) {
      expect(await cache.remember(['team:t'], 'k', async () => index)).toBe(index);
      await cache.invalidate('team:t');
    }
    expect(performance.now() - started).toBeLessThan(200);
    expect(reporter.counts.fallback).toBeGreaterThanOrEqual(40);
    expect(reporter.counts.hit).toBe(0);
    expect(messages).toEqual(['Redis cache unavailable: answering from the database']);
  });
});

describe.runIf(redisUrl)('Redis cache after an outage', () => {
  it('forgets everything when it is back, if an invalidation was lost meanwhile', async () => {
    const client = redisClient(redisUrl!, `${inject('redisPrefix')}${unique('outage-')}:`);
    await client.connect();
    const cache = new RedisCache(client, counting(), log);
    expect(await cache.remember(['project:p'], 'k', async () => 'before')).toBe('before');

    client.disconnect();
    await cache.invalidate('project:p'); // lost: Redis is not there
    const ready = new Promise<void>((resolve) => client.once('ready', () => resolve()));
    await client.connect();
    await ready;
    // The epoch bump runs on 'ready'; give it its round trip.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await cache.remember(['project:p'], 'k', async () => 'after')).toBe('after');
  });
});
