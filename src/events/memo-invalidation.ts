import type { DomainMemo } from '../domain/memo.js';
import type { EventBus } from './bus.js';
import type { DomainEvent } from './types.js';

/** Events that never change a column of the project row but `event_seq`. */
const ROW_UNCHANGED: ReadonlySet<DomainEvent['name']> = new Set(['todoUpdated', 'featureUpdated']);

/**
 * Keeps the in-process memo of access facts true (domain/memo.ts). Listens to the
 * events of this instance and, through the relay, of every other one:
 * - a user's role, activity or existence changed → forget the user;
 * - a membership changed → forget that user's team roles;
 * - a team was deleted → its projects and every member's roles go: forget all;
 * - any project event → a kept project row older than its `seq` is stale; after a
 *   todo or feature change, the row itself is still right and only learns the `seq`;
 * - a todo changed → a kept row of an earlier version is stale.
 */
export function applyToMemo(memo: DomainMemo, event: DomainEvent): void {
  const changes = (event.payload.changes ?? {}) as { action?: unknown; userId?: unknown };
  if (event.name === 'userUpdated') {
    const userId = event.payload.userId;
    if (typeof userId === 'string') memo.forgetUser(userId);
    return;
  }
  if (event.name === 'teamUpdated') {
    if (changes.action === 'deleted') memo.clear();
    else if (typeof changes.userId === 'string') memo.memberships.invalidate(changes.userId);
    return;
  }
  if (event.name === 'todoUpdated') {
    const todoId = event.payload.todoId;
    const deleted = changes.action === 'deleted';
    if (typeof todoId === 'string') memo.todoAdvanced(todoId, deleted ? undefined : event.version);
  }
  if (event.projectId) memo.projectAdvanced(event.projectId, event.seq, ROW_UNCHANGED.has(event.name));
}

export function subscribeMemoInvalidation(events: EventBus, memo: DomainMemo): () => void {
  return events.subscribe((event) => applyToMemo(memo, event), { includeRemote: true });
}
