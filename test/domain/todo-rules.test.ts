import { describe, expect, it } from 'vitest';
import { RuleViolation } from '../../src/domain/errors.js';
import {
  allowedTodoMoves,
  changedFields,
  checkTodoTransition,
  completedAtAfter,
  createsDependencyCycle,
  parseTodoStatus,
} from '../../src/domain/todos/rules.js';

describe('todo workflow', () => {
  it('allows one step forward and any step back', () => {
    expect(() => checkTodoTransition('new', 'in_progress')).not.toThrow();
    expect(() => checkTodoTransition('in_progress', 'done')).not.toThrow();
    expect(() => checkTodoTransition('done', 'in_progress')).not.toThrow();
    expect(() => checkTodoTransition('done', 'new')).not.toThrow();
    expect(() => checkTodoTransition('in_progress', 'new')).not.toThrow();
    expect(() => checkTodoTransition('done', 'done')).not.toThrow();
  });

  it('rejects new → done with the allowed moves in the message', () => {
    expect(() => checkTodoTransition('new', 'done')).toThrow(RuleViolation);
    expect(() => checkTodoTransition('new', 'done')).toThrow(/from new it can move to in_progress/);
  });

  it('lists the moves out of each status', () => {
    expect(allowedTodoMoves('new')).toEqual(['in_progress']);
    expect(allowedTodoMoves('in_progress')).toEqual(['new', 'done']);
    expect(allowedTodoMoves('done')).toEqual(['new', 'in_progress']);
  });

  it('refuses tested as a todo status, naming the allowed ones', () => {
    expect(() => parseTodoStatus('tested')).toThrow(/allowed statuses are new, in_progress, done/);
    expect(parseTodoStatus('done')).toBe('done');
  });
});

describe('completed_at', () => {
  const now = new Date('2026-01-02T03:04:05Z');
  const earlier = new Date('2026-01-01T00:00:00Z');

  it('is stamped on entering done', () => {
    expect(completedAtAfter('in_progress', 'done', null, now)).toEqual(now);
    expect(completedAtAfter(undefined, 'done', null, now)).toEqual(now);
  });

  it('is kept while staying done and cleared on leaving it', () => {
    expect(completedAtAfter('done', 'done', earlier, now)).toEqual(earlier);
    expect(completedAtAfter('done', 'in_progress', earlier, now)).toBeNull();
    expect(completedAtAfter('new', 'in_progress', null, now)).toBeNull();
  });
});

describe('todo dependencies', () => {
  const edges = new Map<string, string[]>([
    ['b', ['c']],
    ['c', ['d']],
  ]);

  it('finds a loop closed through several todos', () => {
    // b waits for c, c for d: d waiting for b closes d → b → c → d.
    expect(createsDependencyCycle('d', ['b'], edges)).toBe(true);
  });

  it('accepts a chain without a loop', () => {
    expect(createsDependencyCycle('a', ['b'], edges)).toBe(false);
    expect(createsDependencyCycle('e', ['d', 'c'], edges)).toBe(false);
  });

  it('treats waiting for oneself as a loop', () => {
    expect(createsDependencyCycle('a', ['a'], new Map())).toBe(true);
  });
});

describe('todo change summary', () => {
  it('names changed fields in wire case with their new values', () => {
    const before = { status: 'new', featureId: 'f1' as string | null, title: 'x' };
    const after = { status: 'in_progress', featureId: null, title: 'x' };
    expect(changedFields(before, after, ['status', 'featureId', 'title'])).toEqual({ status: 'in_progress', feature_id: null });
  });
});
