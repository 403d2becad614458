import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Redis } from 'ioredis';

/** One open MCP session: its transport, its server, and whose key opened it. */
export interface McpSession<T extends Transport = Transport> {
  transport: T;
  server: McpServer;
  keyId: string;
  /** The key's user: their deactivation or deletion closes the session. */
  userId: string;
  lastActiveAt: number;
  /** False for legacy SSE: that session lives exactly as long as its stream. */
  idleExpires: boolean;
}

export const SESSION_IDLE_MS = 30 * 60_000;
export const MAX_SESSIONS = 2_000;
const SWEEP_EVERY_MS = 60_000;

/**
 * The MCP sessions of one app instance, by session id (Streamable HTTP and legacy
 * SSE share the id space: both are random UUIDs). Created by the plugin, closed with
 * the app; idle sessions are closed by a sweep.
 */
export class McpSessionRegistry {
  private readonly sessions = new Map<string, McpSession>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly idleMs = SESSION_IDLE_MS,
    /** Open sessions one key may hold here (MCP_MAX_SESSIONS_PER_KEY); 0 = no cap. */
    readonly maxPerKey = 0,
  ) {
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  get full(): boolean {
    return this.sessions.size >= MAX_SESSIONS;
  }

  /** True when `keyId` holds as many open sessions as it may; callers sweep idle ones first. */
  atKeyCap(keyId: string): boolean {
    if (this.maxPerKey === 0) return false;
    let open = 0;
    for (const session of this.sessions.values()) if (session.keyId === keyId) open += 1;
    return open >= this.maxPerKey;
  }

  /** The refusal a client gets past the per-key cap. */
  keyCapMessage(): string {
    return `This API key already has ${this.maxPerKey} open MCP sessions, the most it may hold; close one (DELETE /mcp with its Mcp-Session-Id, or end its SSE stream) or wait for an idle one to expire`;
  }

  add(id: string, session: McpSession): void {
    this.sessions.set(id, session);
  }

  /** The session, marked active. */
  touch(id: string): McpSession | undefined {
    const session = this.sessions.get(id);
    if (session) session.lastActiveAt = Date.now();
    return session;
  }

  remove(id: string): void {
    this.sessions.delete(id);
  }

  /** Whether any session here was opened by the user's keys. */
  hasUser(userId: string): boolean {
    for (const session of this.sessions.values()) if (session.userId === userId) return true;
    return false;
  }

  /** Closes the sessions `match` picks (a revoked key's, a deactivated user's); answers their ids. */
  async closeWhere(match: (session: McpSession) => boolean): Promise<string[]> {
    const picked = [...this.sessions].filter(([, session]) => match(session));
    for (const [id] of picked) this.sessions.delete(id);
    await Promise.allSettled(picked.map(([, session]) => session.server.close()));
    return picked.map(([id]) => id);
  }

  async sweep(now = Date.now()): Promise<void> {
    const idle = [...this.sessions].filter(([, session]) => session.idleExpires && now - session.lastActiveAt > this.idleMs);
    for (const [id] of idle) this.sessions.delete(id);
    await Promise.allSettled(idle.map(([, session]) => session.server.close()));
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(all.map((session) => session.server.close()));
  }
}

/** Who opened a session: kept in Redis so any instance can re-create the session for that key alone. */
export interface McpSessionOwner {
  keyId: string;
  /** The tool profile the client asked for (`?tools=` / `X-MCP-Tools`), if any. */
  profile: string | undefined;
  /** The `X-Project-Id` the client sent, if any. */
  projectId: string | undefined;
}

/**
 * The owners of Streamable HTTP sessions in Redis (under the app's key prefix, which
 * the connection adds), so a session survives a restart and works through any
 * instance: an instance that does not know a session id finds its owner here and
 * re-creates the session for the same key. The TTL is the idle timeout, refreshed on
 * use. Redis failures only lose that: callers then fall back to stateless serving.
 */
export class RedisSessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds = Math.ceil(SESSION_IDLE_MS / 1000),
  ) {}

  static key(id: string): string {
    return `mcp:session:${id}`;
  }

  async save(id: string, owner: McpSessionOwner): Promise<void> {
    await this.redis.set(RedisSessionStore.key(id), JSON.stringify(owner), 'EX', this.ttlSeconds).catch(() => undefined);
  }

  async load(id: string): Promise<McpSessionOwner | undefined> {
    const raw = await this.redis.get(RedisSessionStore.key(id)).catch(() => null);
    if (!raw) return undefined;
    try {
      const parsed = JSON.parse(raw) as Partial<McpSessionOwner>;
      if (typeof parsed.keyId !== 'string') return undefined;
      return { keyId: parsed.keyId, profile: parsed.profile ?? undefined, projectId: parsed.projectId ?? undefined };
    } catch {
      return undefined;
    }
  }

  /** Fire and forget: a request never waits for the TTL refresh. */
  refresh(id: string): void {
    void this.redis.expire(RedisSessionStore.key(id), this.ttlSeconds).catch(() => undefined);
  }

  async delete(id: string): Promise<void> {
    await this.redis.del(RedisSessionStore.key(id)).catch(() => undefined);
  }
}
