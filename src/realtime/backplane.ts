import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { DomainEvent } from '../events/types.js';
import type { GroupMessage, Hub } from './hub.js';

/**
 * Scale-out over Redis pub/sub: every instance publishes its domain events and hub
 * group messages (userJoined, userActivity, …) on one channel under the app's key
 * prefix, and delivers what the others publish to its own connections. Pub/sub needs
 * a connection of its own (a subscribed ioredis client takes no other commands).
 * Own messages are skipped by instance id: they were delivered locally already.
 */
export interface Backplane {
  readonly instanceId: string;
  publishEvent(event: DomainEvent): void;
  close(): Promise<void>;
}

type Envelope = { origin: string; kind: 'event'; event: DomainEvent } | { origin: string; kind: 'group'; message: GroupMessage };

export function backplaneChannel(keyPrefix: string): string {
  return `${keyPrefix}signalr:backplane`;
}

export interface BackplaneDeps {
  hub: Hub;
  redis: Redis;
  keyPrefix: string;
  instanceId: string;
  log: FastifyBaseLogger;
  /** Runs the fan-out for an event another instance published. */
  onRemoteEvent(event: DomainEvent): void;
}

export async function startBackplane({ hub, redis, keyPrefix, instanceId, log, onRemoteEvent }: BackplaneDeps): Promise<Backplane> {
  // ioredis applies keyPrefix to keys, never to channel names: the prefix is added here.
  const channel = backplaneChannel(keyPrefix);
  const subscriber = redis.duplicate({ keyPrefix: '' });
  subscriber.on('error', () => {
    // Reconnects are ioredis's job; the main connection's listener already reports outages.
  });
  subscriber.on('message', (_channel: string, text: string) => {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      return;
    }
    if (envelope.origin === instanceId) return;
    if (envelope.kind === 'group') hub.deliver(envelope.message);
    else if (envelope.kind === 'event') onRemoteEvent({ ...envelope.event, at: new Date(envelope.event.at) });
  });
  try {
    if (subscriber.status === 'wait') await subscriber.connect();
    await subscriber.subscribe(channel);
  } catch (error) {
    // ioredis resubscribes by itself once Redis is back.
    log.warn({ err: error }, 'realtime: Redis backplane not subscribed yet; single-instance delivery until Redis is back');
  }

  const publish = (envelope: Envelope) => {
    // While Redis is down the others cannot hear anyway; queueing would only grow memory.
    if (redis.status !== 'ready') return;
    redis.publish(channel, JSON.stringify(envelope)).catch((error: unknown) => log.warn({ err: error }, 'realtime: backplane publish failed'));
  };
  hub.relay = { publishGroupMessage: (message) => publish({ origin: instanceId, kind: 'group', message }) };

  return {
    instanceId,
    publishEvent: (event) => publish({ origin: instanceId, kind: 'event', event }),
    async close() {
      hub.relay = undefined;
      subscriber.disconnect();
    },
  };
}
