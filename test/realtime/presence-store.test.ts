import { describe, expect, it } from 'vitest';
import { MemoryPresence, onlineUsers } from '../../src/realtime/presence.js';

const entry = (connectionId: string, userId: string) => ({ connectionId, userId, email: `${userId}@example.test` });

describe('in-memory presence', () => {
  it('reports a user as joining with their first connection and leaving with their last', async () => {
    const presence = new MemoryPresence();
    expect(await presence.join('p', entry('c1', 'u1'))).toBe(true);
    expect(await presence.join('p', entry('c2', 'u1'))).toBe(false);
    expect(await presence.join('p', entry('c3', 'u2'))).toBe(true);
    expect(await presence.leave('p', entry('c1', 'u1'))).toBe(false);
    expect(await presence.leave('p', entry('c2', 'u1'))).toBe(true);
    expect(await presence.leave('p', entry('c2', 'u1'))).toBe(false);
    expect(await presence.list('p')).toEqual([entry('c3', 'u2')]);
  });

  it('keeps projects apart and forgets empty ones', async () => {
    const presence = new MemoryPresence();
    await presence.join('p', entry('c1', 'u1'));
    expect(await presence.join('q', entry('c2', 'u1'))).toBe(true);
    await presence.leave('p', entry('c1', 'u1'));
    expect(await presence.list('p')).toEqual([]);
    expect(await presence.list('q')).toHaveLength(1);
  });

  it('lists each user once, in the order they arrived', () => {
    expect(onlineUsers([entry('c1', 'u2'), entry('c2', 'u1'), entry('c3', 'u2')])).toEqual([
      { id: 'u2', email: 'u2@example.test' },
      { id: 'u1', email: 'u1@example.test' },
    ]);
  });
});
