import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { MemoryPresence, type PresenceEntry, type PresenceStore } from './presence.js';

/** How often an instance proves it is alive, and how long its entries outlive its silence. */
const HEARTBEAT_MS = 10_000;
const INSTANCE_TTL_SECONDS = 30;

interface StoredEntry extends PresenceEntry {
  instanceId: string;
}

/**
 * Presence shared by every instance: one Redis hash per project (field: connection
 * id) for listing, one per project and user (connection id → instance) for deciding
 * whether a join or leave is the user's first or last — read only when this instance
 * has no other connection of the user (one here is live for certain), so a user's
 * thousandth tab costs no more than their first — plus a heartbeat key per instance. Entries of an
 * instance whose heartbeat expired (it crashed) are ignored and cleaned up by the
 * next reader, so a vanished instance cannot keep users "online". When Redis is
 * unreachable the instance answers from its own connections (a local mirror).
 */
export class RedisPresence implements PresenceStore {
  private readonly local = new MemoryPresence();
  private readonly heartbeat: NodeJS.Timeout;
  private lastBeatAt = 0;

  constructor(
    private readonly redis: Redis,
    private readonly instanceId: string,
    private readonly log: FastifyBaseLogger,
  ) {
    void this.beat();
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async join(projectId: string, entry: PresenceEntry): Promise<boolean> {
    const firstHere = await this.local.join(projectId, entry);
    if (!this.connected) return firstHere;
    try {
      // After an outage the heartbeat may be stale: renew it before counting on it.
      if (Date.now() - this.lastBeatAt > HEARTBEAT_MS) await this.beat();
      const stored: StoredEntry = { ...entry, instanceId: this.instanceId };
      await this.redis
        .multi()
        .hset(projectKey(projectId), entry.connectionId, JSON.stringify(stored))
        .hset(userKey(projectId, entry.userId), entry.connectionId, this.instanceId)
        .exec();
      // Another connection of the user here is live for certain: no need to look further.
      if (!firstHere) return false;
      // This instance's own count is the truth for it (another tab joining here right
      // now is not "someone else"): only other instances' connections are looked up.
      return (await this.liveConnectionsElsewhere(projectId, entry.userId)).length === 0;
    } catch (error) {
      this.log.warn({ err: error }, 'realtime: Redis presence unavailable, using this instance only');
      return firstHere;
    }
  }

  async leave(projectId: string, entry: PresenceEntry): Promise<boolean> {
    const lastHere = await this.local.leave(projectId, entry);
    if (!this.connected) return lastHere;
    try {
      await Promise.all([
        this.redis.hdel(projectKey(projectId), entry.connectionId),
        this.redis.hdel(userKey(projectId, entry.userId), entry.connectionId),
      ]);
      // A connection that joined while Redis was away is not there to delete, yet its
      // join was announced: the local count decides, as it did then.
      if (!lastHere) return false;
      return (await this.liveConnectionsElsewhere(projectId, entry.userId)).length === 0;
    } catch (error) {
      this.log.warn({ err: error }, 'realtime: Redis presence unavailable, using this instance only');
      return lastHere;
    }
  }

  async list(projectId: string): Promise<PresenceEntry[]> {
    if (!this.connected) return this.local.list(projectId);
    try {
      const raw = await this.redis.hgetall(projectKey(projectId));
      const entries = Object.values(raw).flatMap((text) => parseEntry(text));
      const instances = [...new Set(entries.map((entry) => entry.instanceId))];
      const alive = instances.length === 0 ? [] : await this.redis.mget(...instances.map(instanceKey));
      const live = new Set(instances.filter((_, index) => alive[index] !== null));
      const stale = entries.filter((entry) => !live.has(entry.instanceId)).map((entry) => entry.connectionId);
      if (stale.length > 0) await this.redis.hdel(projectKey(projectId), ...stale);
      return entries
        .filter((entry) => live.has(entry.instanceId))
        .map(({ connectionId, userId, email }) => ({ connectionId, userId, email }));
    } catch (error) {
      this.log.warn({ err: error }, 'realtime: Redis presence unavailable, using this instance only');
      return this.local.list(projectId);
    }
  }

  /** The user's connections in the project on the other instances that are still alive; drops the dead ones'. */
  private async liveConnectionsElsewhere(projectId: string, userId: string): Promise<string[]> {
    const all = await this.redis.hgetall(userKey(projectId, userId));
    const connections = Object.fromEntries(Object.entries(all).filter(([, instance]) => instance !== this.instanceId));
    const instances = [...new Set(Object.values(connections))];
    if (instances.length === 0) return [];
    const alive = await this.redis.mget(...instances.map(instanceKey));
    const live = new Set(instances.filter((_, index) => alive[index] !== null));
    const stale = Object.keys(connections).filter((id) => !live.has(connections[id]!));
    if (stale.length > 0) await this.redis.hdel(userKey(projectId, userId), ...stale);
    return Object.keys(connections).filter((id) => live.has(connections[id]!));
  }

  /** Stops the heartbeat and withdraws the instance, so its remaining entries stop counting at once. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    if (this.connected) await this.redis.del(instanceKey(this.instanceId)).catch(() => undefined);
  }

  /** Commands to a Redis that is not connected would wait in ioredis's queue: answer locally instead. */
  private get connected(): boolean {
    return this.redis.status === 'ready';
  }

  private async beat(): Promise<void> {
    if (!this.connected) return;
    await this.redis
      .set(instanceKey(this.instanceId), '1', 'EX', INSTANCE_TTL_SECONDS)
      .then(() => {
        this.lastBeatAt = Date.now();
      })
      .catch((error: unknown) => this.log.debug({ err: error }, 'realtime: presence heartbeat failed'));
  }
}

function projectKey(projectId: string): string {
  return `signalr:presence:project:${projectId}`;
}

function userKey(projectId: string, userId: string): string {
  return `signalr:presence:project:${projectId}:user:${userId}`;
}

function instanceKey(instanceId: string): string {
  return `signalr:presence:instance:${instanceId}`;
}

function parseEntry(text: string): StoredEntry[] {
  try {
    const value = JSON.parse(text) as Partial<StoredEntry>;
    if (typeof value.connectionId !== 'string' || typeof value.userId !== 'string' || typeof value.instanceId !== 'string') return [];
    return [{ connectionId: value.connectionId, userId: value.userId, email: String(value.email ?? ''), instanceId: value.instanceId }];
  } catch {
    return [];
  }
}
