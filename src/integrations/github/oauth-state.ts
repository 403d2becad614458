import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { Conflict, UpstreamFailure } from '../../domain/errors.js';

/** What an authorisation in progress remembers until GitHub sends the browser back. */
export interface PendingAuthorization {
  /** The PKCE verifier whose S256 challenge went to GitHub. */
  verifier: string;
  /** Who started it, for a callback that arrives without a Bearer token. */
  userId: string;
  /** Where on the web client the user goes back to (always starts with `/`). */
  redirectPath: string;
}

/** Ten minutes, as GitHub's own codes last. */
export const STATE_TTL_SECONDS = 600;

/** A client-chosen `state` that another authorization in progress already holds. */
export class StateTaken extends Conflict {
  constructor() {
    super('This state is already in use by another GitHub authorization; let the server choose one');
  }
}

/**
 * OAuth `state` values, each usable once: `put` never replaces one in progress
 * (StateTaken), and `take` removes what it returns, so a replayed callback finds nothing. Redis holds them when configured (any instance may receive
 * the callback), this process's memory otherwise.
 */
export interface OAuthStateStore {
  put(state: string, pending: PendingAuthorization): Promise<void>;
  take(state: string): Promise<PendingAuthorization | undefined>;
}

export function createOAuthStateStore(redis: Redis | undefined): OAuthStateStore {
  return redis ? new RedisStateStore(redis) : new MemoryStateStore();
}

class MemoryStateStore implements OAuthStateStore {
  private readonly pending = new LRUCache<string, PendingAuthorization>({ max: 10_000, ttl: STATE_TTL_SECONDS * 1000 });

  async put(state: string, pending: PendingAuthorization): Promise<void> {
    if (this.pending.has(state)) throw new StateTaken();
    this.pending.set(state, pending);
  }

  async take(state: string): Promise<PendingAuthorization | undefined> {
    const found = this.pending.get(state);
    this.pending.delete(state);
    return found;
  }
}

class RedisStateStore implements OAuthStateStore {
  constructor(private readonly redis: Redis) {}

  async put(state: string, pending: PendingAuthorization): Promise<void> {
    let stored: string | null;
    try {
      stored = await this.redis.set(key(state), JSON.stringify(pending), 'EX', STATE_TTL_SECONDS, 'NX');
    } catch (error) {
      throw new UpstreamFailure(`cannot start the GitHub authorization: Redis is not available (${(error as Error).message})`);
    }
    if (stored === null) throw new StateTaken();
  }

  async take(state: string): Promise<PendingAuthorization | undefined> {
    let stored: string | null;
    try {
      // GETDEL: read and remove in one step, so two callbacks racing cannot both win.
      stored = await this.redis.getdel(key(state));
    } catch (error) {
      throw new UpstreamFailure(`cannot finish the GitHub authorization: Redis is not available (${(error as Error).message})`);
    }
    return stored === null ? undefined : (JSON.parse(stored) as PendingAuthorization);
  }
}

function key(state: string): string {
  return `github_oauth:state:${state}`;
}
