import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type JSONRPCMessage, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';

const KEEPALIVE_MS = 25_000;

/**
 * The legacy HTTP+SSE transport (protocol 2024-11-05), the one existing Cursor configs
 * use: a long-lived `GET …/sse` stream whose first event names the URL to POST
 * messages to, and the server's messages as `message` events on that stream.
 *
 * Our own rather than the SDK's SSEServerTransport because the endpoint must keep the
 * reference's `?session_id=` (the SDK writes `?sessionId=`) and the prefix the client
 * came in through (`/v1` or not), and because proxies need a keep-alive comment.
 */
export class LegacySseTransport implements Transport {
  /** Hex without dashes, like the reference's `uuid4().hex`. */
  readonly sessionId = randomUUID().replaceAll('-', '');
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: Transport['onmessage'];
  private open = false;
  private keepalive: NodeJS.Timeout | undefined;
  private lifetime: NodeJS.Timeout | undefined;

  constructor(
    private readonly response: ServerResponse,
    /** Where messages go, e.g. `/v1/mcp/messages`; the session id is appended. */
    private readonly messagesPath: string,
    /**
     * MCP_SSE_MAX_LIFETIME: the stream is ended after this long (0 = never), so no
     * connection holds a slot of its key's session cap (and a socket) for ever; clients
     * reconnect. Access itself is checked on every message, not here.
     */
    private readonly maxLifetimeMs = 0,
  ) {}

  get endpoint(): string {
    return `${this.messagesPath}?session_id=${this.sessionId}`;
  }

  async start(): Promise<void> {
    if (this.open) throw new Error('LegacySseTransport already started');
    this.open = true;
    this.response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.response.write(`event: endpoint\ndata: ${this.endpoint}\n\n`);
    this.keepalive = setInterval(() => this.response.write(': keep-alive\n\n'), KEEPALIVE_MS);
    this.keepalive.unref();
    if (this.maxLifetimeMs > 0) {
      this.lifetime = setTimeout(() => void this.close(), this.maxLifetimeMs);
      this.lifetime.unref();
    }
    this.response.on('close', () => this.finish());
  }

  /**
   * One POSTed JSON-RPC message, with the identity that POST verified (the handlers'
   * `authInfo`); throws when it is not a message (the route answers 400).
   */
  receive(body: unknown, headers: IncomingHttpHeaders, authInfo: AuthInfo): void {
    if (!this.open) throw new Error('SSE stream is closed');
    const message = JSONRPCMessageSchema.parse(body);
    this.onmessage?.(message, { requestInfo: { headers }, authInfo });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!this.open) throw new Error('SSE stream is closed');
    this.response.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  }

  async close(): Promise<void> {
    this.response.end();
    this.finish();
  }

  private finish(): void {
    if (!this.open) return;
    this.open = false;
    clearInterval(this.keepalive);
    clearTimeout(this.lifetime);
    this.onclose?.();
  }
}
