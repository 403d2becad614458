import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

/** One open MCP session: its transport, its server, and whose key opened it. */
export interface McpSession<T extends Transport = Transport> {
  transport: T;
  server: McpServer;
  keyId: string;
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

  constructor(private readonly idleMs = SESSION_IDLE_MS) {
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  get full(): boolean {
    return this.sessions.size >= MAX_SESSIONS;
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
