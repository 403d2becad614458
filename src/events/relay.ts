import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { EventBus } from './bus.js';
import type { DomainEvent } from './types.js';

interface RelayLogger {
  warn(payload: object, message: string): void;
}

export interface EventRelay {
  close(): void;
}

interface Envelope {
  origin: string;
  event: DomainEvent;
}

/**
 * Carries every committed domain event to the other instances over Redis pub/sub,
 * where it reaches the listeners that asked for remote events (the in-process memo
 * of access facts, so a role change made on one instance holds on all of them at
 * once). Pub/sub keeps nothing for a subscriber that was away: after any gap
 * `onGap` runs, so whoever relies on the events can forget what they might have
 * missed.
 */
export function startEventRelay(deps: { events: EventBus; redis: Redis; keyPrefix: string; log: RelayLogger; onGap: () => void }): EventRelay {
  const { events, redis, keyPrefix, log, onGap } = deps;
  const origin = randomUUID();
  // ioredis prefixes keys, never channel names.
  const channel = `${keyPrefix}events`;
  const subscriber = redis.duplicate({ keyPrefix: '' });
  subscriber.on('error', () => {
    // Reconnecting is ioredis's job; the main connection's listener reports outages.
  });
  subscriber.on('ready', onGap);
  subscriber.on('message', (_channel: string, text: string) => {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      return;
    }
    if (envelope.origin === origin || !envelope.event?.name) return;
    events.publishRemote([{ ...envelope.event, at: new Date(envelope.event.at) }]);
  });
  subscriber.subscribe(channel).catch((error: unknown) => log.warn({ err: error }, 'event relay: not subscribed yet, ioredis retries'));

  const unsubscribe = events.subscribe((event) => {
    if (redis.status !== 'ready') return;
    redis.publish(channel, JSON.stringify({ origin, event } satisfies Envelope)).catch((error: unknown) => {
      log.warn({ err: error }, 'event relay: publish failed');
    });
  });

  return {
    close() {
      unsubscribe();
      subscriber.disconnect();
    },
  };
}
