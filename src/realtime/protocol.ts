/**
 * The ASP.NET Core SignalR JSON hub protocol, as pure functions: records are JSON
 * texts each terminated by the record separator 0x1E; the first record a client
 * sends is the handshake, every later one a hub message. Nothing here does I/O, so
 * the codec is tested on its own (test/realtime/protocol.test.ts).
 */

export const RECORD_SEPARATOR = '\u001e';

export const MessageType = {
  Invocation: 1,
  StreamItem: 2,
  Completion: 3,
  StreamInvocation: 4,
  CancelInvocation: 5,
  Ping: 6,
  Close: 7,
  Ack: 8,
  Sequence: 9,
} as const;

export interface InvocationMessage {
  type: typeof MessageType.Invocation;
  invocationId?: string | undefined;
  target: string;
  arguments: unknown[];
}

export interface StreamInvocationMessage {
  type: typeof MessageType.StreamInvocation;
  invocationId: string;
  target: string;
}

/** Messages a client may send that the hub acts on; the other known types are ignored. */
export type ClientMessage =
  | InvocationMessage
  | StreamInvocationMessage
  | { type: typeof MessageType.Ping }
  | { type: typeof MessageType.Close; error?: string | undefined }
  | { type: typeof MessageType.StreamItem | typeof MessageType.CancelInvocation | typeof MessageType.Ack | typeof MessageType.Sequence };

/** A record the peer sent that breaks the protocol; the connection answers with Close. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/** Splits received text into complete records and the unterminated rest (kept for the next frame). */
export function splitRecords(text: string): { records: string[]; rest: string } {
  const parts = text.split(RECORD_SEPARATOR);
  const rest = parts.pop() ?? '';
  return { records: parts, rest };
}

export function frame(message: object): string {
  return JSON.stringify(message) + RECORD_SEPARATOR;
}

export type HandshakeResult = { ok: true } | { ok: false; error: string };

/** Checks a handshake request: only `{"protocol":"json","version":1}` is spoken here. */
export function parseHandshake(record: string): HandshakeResult {
  const request = parseObject(record);
  if (!request) return { ok: false, error: 'Handshake request is not a JSON object.' };
  const { protocol, version } = request;
  if (typeof protocol !== 'string' || typeof version !== 'number') {
    return { ok: false, error: 'Handshake request must name a protocol and a version.' };
  }
  if (protocol !== 'json') return { ok: false, error: `The protocol '${protocol}' is not supported.` };
  if (version !== 1) return { ok: false, error: `The server does not support version ${version} of the 'json' protocol.` };
  return { ok: true };
}

export function encodeHandshakeResponse(error?: string): string {
  return frame(error === undefined ? {} : { error });
}

/** Decodes one record into a client message; throws ProtocolError on anything malformed. */
export function parseMessage(record: string): ClientMessage {
  const message = parseObject(record);
  if (!message) throw new ProtocolError('Message is not a JSON object.');
  const { type } = message;
  if (typeof type !== 'number' || !Number.isInteger(type)) throw new ProtocolError("Message is missing an integer 'type'.");
  switch (type) {
    case MessageType.Invocation:
      return parseInvocation(message);
    case MessageType.StreamInvocation: {
      const invocation = parseInvocation(message);
      if (invocation.invocationId === undefined) throw new ProtocolError("StreamInvocation requires an 'invocationId'.");
      return { type: MessageType.StreamInvocation, invocationId: invocation.invocationId, target: invocation.target };
    }
    case MessageType.Ping:
      return { type };
    case MessageType.Close:
      return { type, error: typeof message.error === 'string' ? message.error : undefined };
    case MessageType.StreamItem:
    case MessageType.CancelInvocation:
    case MessageType.Ack:
    case MessageType.Sequence:
      return { type };
    default:
      throw new ProtocolError(`Unknown message type: ${type}.`);
  }
}

function parseInvocation(message: Record<string, unknown>): InvocationMessage {
  const { invocationId, target, arguments: args } = message;
  if (invocationId !== undefined && invocationId !== null && typeof invocationId !== 'string') {
    throw new ProtocolError("'invocationId' must be a string.");
  }
  if (typeof target !== 'string' || target === '') throw new ProtocolError("Invocation is missing a 'target'.");
  if (args !== undefined && !Array.isArray(args)) throw new ProtocolError("'arguments' must be an array.");
  return {
    type: MessageType.Invocation,
    invocationId: typeof invocationId === 'string' ? invocationId : undefined,
    target,
    arguments: (args as unknown[] | undefined) ?? [],
  };
}

function parseObject(record: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(record);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function encodeInvocation(target: string, args: readonly unknown[]): string {
  return frame({ type: MessageType.Invocation, target, arguments: args });
}

/** The same record as UTF-8 bytes, encoded once and then written as-is to every recipient. */
export function encodeInvocationBytes(target: string, args: readonly unknown[]): Buffer {
  return Buffer.from(encodeInvocation(target, args), 'utf8');
}

/** A Completion: `error` set means failure; otherwise `result` when the method returned one. */
export function encodeCompletion(invocationId: string, outcome: { error: string } | { result?: unknown }): string {
  if ('error' in outcome) return frame({ type: MessageType.Completion, invocationId, error: outcome.error });
  return frame(
    outcome.result === undefined
      ? { type: MessageType.Completion, invocationId }
      : { type: MessageType.Completion, invocationId, result: outcome.result },
  );
}

export const PING_RECORD = frame({ type: MessageType.Ping });

export function encodeClose(error?: string, allowReconnect = false): string {
  const message: Record<string, unknown> = { type: MessageType.Close };
  if (error !== undefined) message.error = error;
  if (allowReconnect) message.allowReconnect = true;
  return frame(message);
}
