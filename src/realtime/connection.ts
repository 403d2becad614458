import { randomBytes } from 'node:crypto';
import type { RawData, WebSocket } from 'ws';
import type { SignalRMessageType } from '../infra/metrics.js';
import {
  type InvocationMessage,
  MessageType,
  PING_RECORD,
  ProtocolError,
  encodeClose,
  encodeCompletion,
  encodeHandshakeResponse,
  parseHandshake,
  parseMessage,
  splitRecords,
} from './protocol.js';

/** Limits and timings of the hub; every one is per app instance and adjustable in tests. */
export interface RealtimeOptions {
  /** A Ping goes out when nothing else was sent for this long (SignalR's KeepAliveInterval). */
  pingIntervalMs: number;
  /** A client that sends nothing for this long is dropped (SignalR's ClientTimeoutInterval). */
  clientTimeoutMs: number;
  /** Time allowed between the upgrade and a valid handshake. */
  handshakeTimeoutMs: number;
  /** Largest WebSocket message accepted; bigger ones close the connection. */
  maxMessageBytes: number;
  /** Invocations a client may send in a burst, and refilled per second after it. */
  invocationBurst: number;
  invocationsPerSecond: number;
  /**
   * Outgoing bytes a slow client may have queued before it is dropped (closed without a
   * handshake; it reconnects and refetches). Dropping rather than skipping messages:
   * a client that silently missed events would show a stale board until its next seq gap.
   */
  maxBufferedBytes: number;
  /** Sockets written per event-loop turn during a group fan-out; other work interleaves between slices. */
  fanOutSliceSize: number;
}

export const DEFAULT_REALTIME_OPTIONS: RealtimeOptions = {
  pingIntervalMs: 15_000,
  clientTimeoutMs: 30_000,
  handshakeTimeoutMs: 15_000,
  maxMessageBytes: 64 * 1024,
  invocationBurst: 40,
  invocationsPerSecond: 20,
  maxBufferedBytes: 4 * 1024 * 1024,
  fanOutSliceSize: 500,
};

/**
 * Whose connection this is. Only who, never what they may do: the role and the
 * memberships are read as they are now for every decision (hub.ts).
 */
export interface ConnectedUser {
  readonly id: string;
  /** For the online list; kept current by the hub's access re-checks. */
  email: string;
}

/** The Close error a connection gets when its access token runs out; the client signs in again and reconnects. */
export const TOKEN_EXPIRED = 'Access token expired';

/** A failure a hub method reports to its caller as the Completion's error text. */
export class HubError extends Error {
  override readonly name = 'HubError';
}

export interface ConnectionEvents {
  handshaken(connection: HubConnection): void;
  invoke(connection: HubConnection, message: InvocationMessage): Promise<unknown>;
  closed(connection: HubConnection): void;
  error(connection: HubConnection, error: unknown, context: string): void;
  meter: ConnectionMeter;
}

/** Counts for /metrics; the fan-out counts its invocations per group message, not here. */
export interface ConnectionMeter {
  received(type: SignalRMessageType): void;
  sent(type: SignalRMessageType): void;
  droppedSlow(): void;
}

const RECEIVED_TYPES: Record<number, SignalRMessageType> = {
  [MessageType.Invocation]: 'invocation',
  [MessageType.StreamInvocation]: 'invocation',
  [MessageType.Completion]: 'completion',
  [MessageType.Ping]: 'ping',
  [MessageType.Close]: 'close',
};

/**
 * One client's WebSocket, speaking the JSON hub protocol: handshake first, then
 * messages; keep-alive pings out, a timeout when the client goes silent; invocations
 * run one at a time in arrival order (as SignalR does by default) under a token
 * bucket, each answered by a Completion when the client asked for one.
 */
export class HubConnection {
  readonly id = randomBytes(16).toString('base64url');
  /** Group names this connection is in, kept by the hub. */
  readonly groups = new Set<string>();
  /**
   * Counts the access re-checks begun for this connection, so a hub method that
   * checked access before a re-check ended can tell it must check again.
   */
  accessEpoch = 0;
  private handshakeDone = false;
  private closed = false;
  private pending = '';
  private lastReceivedAt: number;
  private lastSentAt: number;
  private readonly openedAt: number;
  private tokens: number;
  private tokensAt: number;
  private refused = 0;
  private queue: Promise<void> = Promise.resolve();
  private finishedNotified = false;
  private readonly finishListeners: (() => void)[] = [];

  constructor(
    private readonly socket: WebSocket,
    readonly user: ConnectedUser,
    /** When the access token it connected with expires (epoch ms): the connection ends then. */
    private readonly accessExpiresAt: number,
    private readonly options: () => RealtimeOptions,
    private readonly events: ConnectionEvents,
  ) {
    this.openedAt = this.lastReceivedAt = this.lastSentAt = this.tokensAt = Date.now();
    this.tokens = options().invocationBurst;
    socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    socket.on('close', () => this.finish());
    socket.on('error', (error) => this.events.error(this, error, 'socket error'));
  }

  get isOpen(): boolean {
    return !this.closed && this.handshakeDone;
  }

  /** Sends one encoded record of the given type; drops a client that cannot keep up. */
  send(record: string, type: SignalRMessageType): void {
    if (!this.writable()) return;
    this.lastSentAt = Date.now();
    this.events.meter.sent(type);
    this.socket.send(record);
  }

  /**
   * Sends a record encoded once for many connections (an invocation). The Buffer goes
   * to the socket as it is, as a text frame: no per-socket JSON or UTF-8 encoding.
   * Returns false when the connection did not take it.
   */
  sendEncoded(record: Buffer, now = Date.now()): boolean {
    if (!this.writable()) return false;
    this.lastSentAt = now;
    this.socket.send(record, { binary: false });
    return true;
  }

  private writable(): boolean {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return false;
    if (this.socket.bufferedAmount > this.options().maxBufferedBytes) {
      this.events.meter.droppedSlow();
      this.terminate();
      return false;
    }
    return true;
  }

  /** Sends Close (with the reason, if any) and ends the WebSocket. */
  close(error?: string, allowReconnect = false): void {
    if (this.closed) return;
    if (this.handshakeDone) this.send(encodeClose(error, allowReconnect), 'close');
    this.closed = true;
    this.socket.close(1000);
  }

  /** Called by the hub's timer: keep-alive pings out, silent clients out. */
  tick(now: number, stalled = false): void {
    if (this.closed) return;
    const options = this.options();
    if (!this.handshakeDone) {
      if (!stalled && now - this.openedAt >= options.handshakeTimeoutMs) this.terminate();
      return;
    }
    if (now >= this.accessExpiresAt) {
      // As ASP.NET Core's CloseOnAuthenticationExpiration: the client may come back
      // at once, with a fresh token.
      this.close(TOKEN_EXPIRED, true);
      return;
    }
    if (!stalled && now - this.lastReceivedAt >= options.clientTimeoutMs) {
      // The peer is gone or stuck: say why in case it still reads, then drop the socket.
      this.send(encodeClose('Server timeout elapsed without receiving a message from the client.'), 'close');
      this.terminate();
      return;
    }
    if (now - this.lastSentAt >= options.pingIntervalMs) this.send(PING_RECORD, 'ping');
  }

  /** Drops the socket without a closing handshake (a vanished peer never answers it). */
  terminate(): void {
    this.closed = true;
    this.socket.terminate();
    this.finish();
  }

  /** Calls `listener` once the connection has ended (at once if it already has). */
  onFinished(listener: () => void): void {
    if (this.finishedNotified) listener();
    else this.finishListeners.push(listener);
  }

  private finish(): void {
    this.closed = true;
    if (this.finishedNotified) return;
    this.finishedNotified = true;
    this.events.closed(this);
    for (const listener of this.finishListeners.splice(0)) listener();
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    this.lastReceivedAt = Date.now();
    const options = this.options();
    const bytes = Array.isArray(data) ? data.reduce((sum, part) => sum + part.length, 0) : data.byteLength;
    if (bytes > options.maxMessageBytes) {
      return this.fail(`Message of ${bytes} bytes exceeds the limit of ${options.maxMessageBytes} bytes.`);
    }
    if (isBinary) return this.fail('Binary messages are not supported by the json protocol.');
    const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8');
    const { records, rest } = splitRecords(this.pending + text);
    if (rest.length > options.maxMessageBytes) return this.fail('Unterminated record exceeds the message size limit.');
    this.pending = rest;
    for (const record of records) {
      if (this.closed) return;
      if (!this.handshakeDone) {
        this.handshake(record);
        continue;
      }
      try {
        this.dispatch(record);
      } catch (error) {
        if (error instanceof ProtocolError) return this.fail(error.message);
        throw error;
      }
    }
  }

  private handshake(record: string): void {
    this.events.meter.received('handshake');
    const result = parseHandshake(record);
    if (!result.ok) {
      // A handshake failure is answered in the handshake's own format, then the socket ends.
      this.events.meter.sent('handshake');
      this.socket.send(encodeHandshakeResponse(result.error));
      this.closed = true;
      this.socket.close(1000);
      return;
    }
    this.handshakeDone = true;
    this.send(encodeHandshakeResponse(), 'handshake');
    this.events.handshaken(this);
  }

  private dispatch(record: string): void {
    const message = parseMessage(record);
    this.events.meter.received(RECEIVED_TYPES[message.type] ?? 'other');
    switch (message.type) {
      case MessageType.Invocation:
        return this.enqueue(message);
      case MessageType.StreamInvocation:
        if (this.admit()) this.send(encodeCompletion(message.invocationId, { error: 'Streaming hub methods are not supported.' }), 'completion');
        return;
      case MessageType.Close:
        this.closed = true;
        this.socket.close(1000);
        return;
      default:
        // Ping only proves the client is alive; stream items, cancels, acks and sequence
        // numbers belong to features this hub does not offer.
        return;
    }
  }

  /** Token bucket: true when this invocation may run; a sustained flood closes the connection. */
  private admit(): boolean {
    const options = this.options();
    const now = Date.now();
    this.tokens = Math.min(options.invocationBurst, this.tokens + ((now - this.tokensAt) / 1000) * options.invocationsPerSecond);
    this.tokensAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.refused = 0;
      return true;
    }
    this.refused += 1;
    if (this.refused > options.invocationBurst) {
      this.fail(`Too many invocations: at most ${options.invocationsPerSecond} per second.`);
    }
    return false;
  }

  private enqueue(message: InvocationMessage): void {
    if (!this.admit()) {
      if (message.invocationId !== undefined && !this.closed) {
        this.send(encodeCompletion(message.invocationId, { error: 'Rate limit exceeded: slow down and retry.' }), 'completion');
      }
      return;
    }
    this.queue = this.queue.then(() => this.run(message));
  }

  private async run(message: InvocationMessage): Promise<void> {
    if (this.closed) return;
    let outcome: { error: string } | { result?: unknown };
    try {
      outcome = { result: await this.events.invoke(this, message) };
    } catch (error) {
      if (!(error instanceof HubError)) this.events.error(this, error, `hub method ${message.target} failed`);
      outcome = {
        error: error instanceof HubError ? error.message : `An unexpected error occurred invoking '${message.target}' on the server.`,
      };
    }
    if (message.invocationId !== undefined) this.send(encodeCompletion(message.invocationId, outcome), 'completion');
  }

  private fail(reason: string): void {
    this.close(`Connection closed with an error. ${reason}`);
  }
}
