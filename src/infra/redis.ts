import type { Redis } from 'ioredis';

/**
 * One ioredis connection for the app. Commands fail fast while Redis is down instead of
 * queueing without bound, so callers can fall back (the cache) or report (readiness).
 * Commands issued in the same tick go out in one write (auto-pipelining): a change
 * invalidates cache keys and publishes its event together, and a socket write is
 * what costs most here. ioredis is loaded only when Redis is configured.
 */
export async function createRedis(url: string, keyPrefix: string): Promise<Redis> {
  const { Redis } = await import('ioredis');
  return new Redis(url, {
    keyPrefix,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    enableAutoPipelining: true,
  });
}

export interface JsonChannel<T> {
  /** Resolves once subscribed (or once the first attempt failed: ioredis keeps retrying). */
  subscribed: Promise<void>;
  /** Publishes to every subscriber, this one included; dropped while Redis is down. */
  publish(message: T): void;
  close(): void;
}

/**
 * A pub/sub channel carrying JSON messages between instances. Subscribing needs a
 * connection of its own (a subscribed ioredis client takes no other commands);
 * `onReady` runs on every (re)connection of it, since pub/sub keeps nothing for a
 * subscriber that was away. `channel` is used as given: ioredis prefixes keys,
 * never channel names.
 */
export function jsonChannel<T>(
  redis: Redis,
  channel: string,
  handlers: { onMessage(message: T): void; onReady?(): void; onError(error: unknown, doing: 'subscribe' | 'publish'): void },
): JsonChannel<T> {
  const subscriber = redis.duplicate({ keyPrefix: '' });
  subscriber.on('error', () => {
    // Reconnecting is ioredis's job; the main connection's listener reports outages.
  });
  if (handlers.onReady) subscriber.on('ready', handlers.onReady);
  subscriber.on('message', (_channel: string, text: string) => {
    let message: T;
    try {
      message = JSON.parse(text) as T;
    } catch {
      return;
    }
    handlers.onMessage(message);
  });
  const subscribed = subscriber.subscribe(channel).then(
    () => undefined,
    (error: unknown) => handlers.onError(error, 'subscribe'),
  );
  return {
    subscribed,
    publish(message) {
      // While Redis is down the others cannot hear anyway; queueing would only grow memory.
      if (redis.status !== 'ready') return;
      redis.publish(channel, JSON.stringify(message)).catch((error: unknown) => handlers.onError(error, 'publish'));
    },
    close: () => subscriber.disconnect(),
  };
}
