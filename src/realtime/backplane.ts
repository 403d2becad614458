import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { jsonChannel } from '../infra/redis.js';
import type { GroupMessage } from './groups.js';
import type { Hub } from './hub.js';

/**
 * Scale-out over Redis pub/sub for what only the hub says: group messages
 * (userJoined, userActivity, …) go out on one channel under the app's key prefix and
 * each instance delivers the others' to its own connections. Domain events travel
 * on the event relay (events/relay.ts), which every instance's caches need as well.
 * Pub/sub needs a connection of its own (a subscribed ioredis client takes no other
 * commands). Own messages are skipped by instance id: they were delivered locally.
 */
export interface Backplane {
  readonly instanceId: string;
  close(): Promise<void>;
}

interface Envelope {
  origin: string;
  kind: 'group';
  message: GroupMessage;
}

export function backplaneChannel(keyPrefix: string): string {
  return `${keyPrefix}signalr:backplane`;
}

export interface BackplaneDeps {
  hub: Hub;
  redis: Redis;
  keyPrefix: string;
  instanceId: string;
  log: FastifyBaseLogger;
}

export async function startBackplane({ hub, redis, keyPrefix, instanceId, log }: BackplaneDeps): Promise<Backplane> {
  const bus = jsonChannel<Envelope>(redis, backplaneChannel(keyPrefix), {
    onMessage: (envelope) => {
      if (envelope.origin !== instanceId && envelope.kind === 'group') hub.deliver(envelope.message);
    },
    onError: (error, doing) =>
      log.warn({ err: error }, doing === 'subscribe' ? 'realtime: Redis backplane not subscribed yet; single-instance delivery until Redis is back' : 'realtime: backplane publish failed'),
  });
  await bus.subscribed;
  hub.relay = { publishGroupMessage: (message) => bus.publish({ origin: instanceId, kind: 'group', message }) };

  return {
    instanceId,
    async close() {
      hub.relay = undefined;
      bus.close();
    },
  };
}
