import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { jsonChannel } from '../infra/redis.js';
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
  const channel = jsonChannel<Envelope>(redis, `${keyPrefix}events`, {
    onMessage: (envelope) => {
      if (envelope.origin === origin || !envelope.event?.name) return;
      events.publishRemote([{ ...envelope.event, at: new Date(envelope.event.at) }]);
    },
    onReady: onGap,
    onError: (error, doing) => log.warn({ err: error }, doing === 'subscribe' ? 'event relay: not subscribed yet, ioredis retries' : 'event relay: publish failed'),
  });
  const unsubscribe = events.subscribe((event) => channel.publish({ origin, event }));

  return {
    close() {
      unsubscribe();
      channel.close();
    },
  };
}
