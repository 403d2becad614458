import { Redis } from 'ioredis';

/**
 * One ioredis connection for the app. Commands fail fast while Redis is down instead of
 * queueing without bound, so callers can fall back (the cache) or report (readiness).
 */
export function createRedis(url: string, keyPrefix: string): Redis {
  return new Redis(url, {
    keyPrefix,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
}
