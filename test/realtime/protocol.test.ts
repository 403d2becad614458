import { describe, expect, it } from 'vitest';
import {
  MessageType,
  PING_RECORD,
  ProtocolError,
  RECORD_SEPARATOR,
  encodeClose,
  encodeCompletion,
  encodeHandshakeResponse,
  encodeInvocation,
  parseHandshake,
  parseMessage,
  splitRecords,
} from '../../src/realtime/protocol.js';

const RS = RECORD_SEPARATOR;

describe('SignalR JSON hub protocol codec', () => {
  it('splits received text into whole records and keeps an unterminated rest', () => {
    expect(splitRecords(`{"a":1}${RS}{"b":2}${RS}{"c"`)).toEqual({ records: ['{"a":1}', '{"b":2}'], rest: '{"c"' });
    expect(splitRecords('')).toEqual({ records: [], rest: '' });
  });

  it('accepts the json protocol version 1 handshake and refuses others with a reason', () => {
    expect(parseHandshake('{"protocol":"json","version":1}')).toEqual({ ok: true });
    expect(parseHandshake('{"protocol":"messagepack","version":1}')).toEqual({ ok: false, error: "The protocol 'messagepack' is not supported." });
    expect(parseHandshake('{"protocol":"json","version":2}')).toMatchObject({ ok: false });
    expect(parseHandshake('not json')).toMatchObject({ ok: false });
    expect(parseHandshake('{"protocol":"json"}')).toMatchObject({ ok: false });
  });

  it('answers a handshake with {} or {error}', () => {
    expect(encodeHandshakeResponse()).toBe(`{}${RS}`);
    expect(encodeHandshakeResponse('nope')).toBe(`{"error":"nope"}${RS}`);
  });

  it('decodes invocations with and without an invocation id', () => {
    expect(parseMessage('{"type":1,"invocationId":"0","target":"JoinProject","arguments":["x"]}')).toEqual({
      type: MessageType.Invocation,
      invocationId: '0',
      target: 'JoinProject',
      arguments: ['x'],
    });
    expect(parseMessage('{"type":1,"target":"LeaveProject","arguments":[]}')).toMatchObject({ invocationId: undefined, arguments: [] });
    expect(parseMessage('{"type":1,"target":"X"}')).toMatchObject({ arguments: [] });
  });

  it('decodes ping, close and the message types the hub ignores', () => {
    expect(parseMessage('{"type":6}')).toEqual({ type: 6 });
    expect(parseMessage('{"type":7,"error":"bye"}')).toEqual({ type: 7, error: 'bye' });
    for (const type of [2, 5, 8, 9]) expect(parseMessage(`{"type":${type}}`)).toEqual({ type });
    expect(parseMessage('{"type":4,"invocationId":"1","target":"S","arguments":[]}')).toEqual({ type: 4, invocationId: '1', target: 'S' });
  });

  it.each([
    ['garbage', 'not json at all'],
    ['a JSON array', '[1,2]'],
    ['no type', '{"target":"X"}'],
    ['an unknown type', '{"type":42}'],
    ['a string type', '{"type":"1"}'],
    ['an invocation without target', '{"type":1,"arguments":[]}'],
    ['arguments that are not an array', '{"type":1,"target":"X","arguments":{}}'],
    ['a numeric invocation id', '{"type":1,"invocationId":1,"target":"X","arguments":[]}'],
    ['a stream invocation without id', '{"type":4,"target":"X","arguments":[]}'],
  ])('rejects %s with a ProtocolError', (_name, record) => {
    expect(() => parseMessage(record)).toThrow(ProtocolError);
  });

  it('encodes invocations, completions, pings and closes as terminated records', () => {
    expect(encodeInvocation('todoUpdated', [{ a: 1 }])).toBe(`{"type":1,"target":"todoUpdated","arguments":[{"a":1}]}${RS}`);
    expect(encodeCompletion('3', {})).toBe(`{"type":3,"invocationId":"3"}${RS}`);
    expect(encodeCompletion('3', { result: 7 })).toBe(`{"type":3,"invocationId":"3","result":7}${RS}`);
    expect(encodeCompletion('3', { error: 'bad' })).toBe(`{"type":3,"invocationId":"3","error":"bad"}${RS}`);
    expect(PING_RECORD).toBe(`{"type":6}${RS}`);
    expect(encodeClose()).toBe(`{"type":7}${RS}`);
    expect(encodeClose('why', true)).toBe(`{"type":7,"error":"why","allowReconnect":true}${RS}`);
  });
});
