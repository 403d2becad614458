import { HttpTransportType, type HubConnection, HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import WebSocket from 'ws';
import type { TestServer } from '../helpers/server.js';

/**
 * Clients for the hub tests: the real `@microsoft/signalr` client (what the web
 * client runs) and a raw `ws` client for what the stock client never sends
 * (garbage, floods, silence). Both record everything they receive, and tests wait
 * for conditions on those records, never for fixed times.
 */

const RS = '\u001e';

/** Polls `condition` until it holds (or returns a value), failing after `timeoutMs`. */
export async function waitFor<T>(condition: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<Exclude<T, false | undefined | null>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as Exclude<T, false | undefined | null>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface Received {
  target: string;
  payload: Record<string, unknown>;
}

export const CLIENT_EVENTS = [
  'todoUpdated',
  'featureUpdated',
  'userActivity',
  'projectUpdated',
  'userJoined',
  'userLeft',
  'joinedProject',
  'leftProject',
  'sessionStarted',
  'sessionEnded',
  'ideaUpdated',
  'mcpVerified',
  'teamUpdated',
] as const;

export interface SignalRClient {
  connection: HubConnection;
  received: Received[];
  /** The first received event of `target` matching `match`. */
  next(target: string, match?: (payload: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  closedWith: Promise<Error | undefined>;
  /** The errors of each automatic reconnect begun (with `reconnect: true`). */
  reconnecting: (Error | undefined)[];
  /** How many automatic reconnects succeeded. */
  reconnected: number;
  stop(): Promise<void>;
}

export interface ClientOptions {
  negotiate?: boolean;
  keepAliveMs?: number;
  serverTimeoutMs?: number;
  path?: string;
  /** The client's automatic reconnect, retrying at once. */
  reconnect?: boolean;
  /** Extra headers on the client's HTTP requests (negotiate). */
  headers?: Record<string, string>;
}

/** A started `@microsoft/signalr` connection listening for every event the web client handles. */
export async function connectSignalR(
  server: TestServer,
  token: string | (() => Promise<string>),
  options: ClientOptions = {},
): Promise<SignalRClient> {
  let builder = new HubConnectionBuilder()
    .withUrl(`${server.url}${options.path ?? '/signalr/hub'}`, {
      skipNegotiation: !options.negotiate,
      transport: HttpTransportType.WebSockets,
      accessTokenFactory: typeof token === 'string' ? () => token : token,
      ...(options.headers && { headers: options.headers }),
    })
    .configureLogging(LogLevel.None);
  if (options.reconnect) builder = builder.withAutomaticReconnect([0, 0, 0]);
  if (options.keepAliveMs) builder = builder.withKeepAliveInterval(options.keepAliveMs);
  if (options.serverTimeoutMs) builder = builder.withServerTimeout(options.serverTimeoutMs);
  const connection = builder.build();
  const received: Received[] = [];
  for (const target of CLIENT_EVENTS) connection.on(target, (payload: Record<string, unknown>) => received.push({ target, payload }));
  const closedWith = new Promise<Error | undefined>((resolve) => connection.onclose((error) => resolve(error)));
  const client: SignalRClient = {
    connection,
    received,
    closedWith,
    reconnecting: [],
    reconnected: 0,
    next: (target, match = () => true) =>
      waitFor(() => received.find((item) => item.target === target && match(item.payload))?.payload, `${target} event`),
    stop: () => connection.stop(),
  };
  connection.onreconnecting((error) => client.reconnecting.push(error));
  connection.onreconnected(() => (client.reconnected += 1));
  await connection.start();
  return client;
}

/** A raw WebSocket speaking the protocol by hand. */
export class RawClient {
  readonly records: Record<string, unknown>[] = [];
  readonly handshake: Promise<Record<string, unknown>>;
  closeCode: number | undefined;
  private resolveHandshake!: (value: Record<string, unknown>) => void;
  private handshaken = false;

  private constructor(
    readonly socket: WebSocket,
    answerPings: boolean,
  ) {
    this.handshake = new Promise((resolve) => (this.resolveHandshake = resolve));
    socket.on('message', (data) => {
      for (const text of data.toString().split(RS).filter(Boolean)) {
        const record = JSON.parse(text) as Record<string, unknown>;
        if (!this.handshaken) {
          this.handshaken = true;
          this.resolveHandshake(record);
        } else {
          this.records.push(record);
          if (answerPings && record.type === 6) this.send(`{"type":6}${RS}`);
        }
      }
    });
    socket.on('close', (code) => (this.closeCode = code));
  }

  /** Opens the socket (with `?access_token=`) and, unless told not to, completes the handshake. */
  static async open(server: TestServer, token: string, options: { handshake?: boolean; answerPings?: boolean } = {}): Promise<RawClient> {
    const url = `${server.url.replace(/^http/, 'ws')}/signalr/hub?access_token=${encodeURIComponent(token)}`;
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const client = new RawClient(socket, options.answerPings ?? false);
    if (options.handshake !== false) {
      client.send(`{"protocol":"json","version":1}${RS}`);
      const answer = await client.handshake;
      if (Object.keys(answer).length > 0) throw new Error(`handshake failed: ${JSON.stringify(answer)}`);
    }
    return client;
  }

  send(text: string | Buffer): void {
    this.socket.send(text);
  }

  invoke(invocationId: string, target: string, args: unknown[]): void {
    this.send(JSON.stringify({ type: 1, invocationId, target, arguments: args }) + RS);
  }

  completion(invocationId: string): Promise<Record<string, unknown>> {
    return waitFor(() => this.records.find((record) => record.type === 3 && record.invocationId === invocationId), `completion ${invocationId}`);
  }

  closeMessage(): Promise<Record<string, unknown>> {
    return waitFor(() => this.records.find((record) => record.type === 7), 'a Close message');
  }

  closed(): Promise<number> {
    return waitFor(() => this.closeCode, 'the socket to close');
  }

  terminate(): void {
    this.socket.terminate();
  }
}

/** The HTTP status a WebSocket upgrade is refused with. */
export function upgradeStatus(server: TestServer, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}${path}`, { headers });
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('open', () => {
      socket.terminate();
      resolve(101);
    });
    socket.on('error', (error) => reject(error));
  });
}
