import type { Redis } from 'ioredis';

const WINDOW_MS = 60_000;

/**
 * The MCP rate limit (RATE_LIMIT_MCP, else RATE_LIMIT_DEFAULT): JSON-RPC messages per
 * API key per minute, counted per message, so a batch of 50 calls costs 50, not one
 * HTTP request's worth. Fixed one-minute windows, in Redis when there is one (shared
 * by every instance), else in this instance's memory. A Redis failure lets the
 * request through: the limit protects the server, it must not take MCP down with it.
 */
export class McpMessageLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly max: number,
    private readonly redis: Redis | undefined,
  ) {}

  /** Counts `messages` for `keyId`; answers the seconds to wait when that goes past the limit. */
  async consume(keyId: string, messages: number, now = Date.now()): Promise<number | undefined> {
    if (this.max === 0) return undefined;
    const windowStart = now - (now % WINDOW_MS);
    const retryAfter = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
    const count = this.redis ? await this.countInRedis(keyId, windowStart, messages) : this.countInMemory(keyId, windowStart, messages);
    return count !== undefined && count > this.max ? retryAfter : undefined;
  }

  private async countInRedis(keyId: string, windowStart: number, messages: number): Promise<number | undefined> {
    const key = `mcp:rate:${keyId}:${windowStart}`;
    try {
      const results = await this.redis!.multi().incrby(key, messages).pexpire(key, WINDOW_MS * 2).exec();
      const counted = results?.[0]?.[1];
      return typeof counted === 'number' ? counted : undefined;
    } catch {
      return undefined;
    }
  }

  private countInMemory(keyId: string, windowStart: number, messages: number): number {
    if (this.windows.size > 10_000) {
      for (const [key, window] of this.windows) if (window.resetAt <= windowStart) this.windows.delete(key);
    }
    const window = this.windows.get(keyId);
    if (!window || window.resetAt <= windowStart) {
      this.windows.set(keyId, { count: messages, resetAt: windowStart + WINDOW_MS });
      return messages;
    }
    window.count += messages;
    return window.count;
  }
}

/** How many JSON-RPC messages a POST body carries: a batch counts each of its members. */
export function messageCount(body: unknown): number {
  return Array.isArray(body) ? Math.max(1, body.length) : 1;
}
