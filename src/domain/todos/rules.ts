import type { TODO_PRIORITIES, TODO_STATUSES } from '../enums.js';
import { RuleViolation } from '../errors.js';

export type TodoStatus = (typeof TODO_STATUSES)[number];
export type TodoPriority = (typeof TODO_PRIORITIES)[number];

/** The workflow, in order: a todo moves one step forward at a time, or back any number. */
export const TODO_WORKFLOW: readonly TodoStatus[] = ['new', 'in_progress', 'done'];

export function isTodoStatus(value: string): value is TodoStatus {
  return (TODO_WORKFLOW as readonly string[]).includes(value);
}

/**
 * A status as a client sent it, checked against the workflow. `tested` is a
 * feature's status, never a todo's: the message says which ones a todo has.
 */
export function parseTodoStatus(value: string): TodoStatus {
  if (isTodoStatus(value)) return value;
  const hint = value === 'tested' ? ' (testing happens on the feature)' : '';
  throw new RuleViolation(`Invalid todo status '${value}'${hint}: allowed statuses are ${TODO_WORKFLOW.join(', ')}`);
}

/** Where a todo in `from` may go: one step forward, or any step back (staying is always fine). */
export function allowedTodoMoves(from: TodoStatus): TodoStatus[] {
  const rank = TODO_WORKFLOW.indexOf(from);
  return TODO_WORKFLOW.filter((_, index) => index !== rank && index <= rank + 1);
}

/** Throws a 400 naming the allowed moves when `from → to` skips a step forward. */
export function checkTodoTransition(from: TodoStatus, to: TodoStatus): void {
  if (from === to) return;
  if (allowedTodoMoves(from).includes(to)) return;
  throw new RuleViolation(`Cannot move a todo from ${from} to ${to}: from ${from} it can move to ${allowedTodoMoves(from).join(' or ')}`);
}

/** `completed_at` after a status change: stamped on entering done, cleared on leaving it. */
export function completedAtAfter(from: TodoStatus | undefined, to: TodoStatus, current: Date | null, now: Date): Date | null {
  if (to !== 'done') return null;
  return from === 'done' && current ? current : now;
}

/**
 * Whether letting `todoId` wait for `blockedBy` closes a loop in the "waits for"
 * graph of its project. `edges` maps each other todo to what it waits for; the
 * search follows them transitively from every new blocker back to `todoId`.
 */
export function createsDependencyCycle(todoId: string, blockedBy: readonly string[], edges: ReadonlyMap<string, readonly string[]>): boolean {
  const seen = new Set<string>();
  const pending = [...blockedBy];
  while (pending.length > 0) {
    const current = pending.pop()!;
    if (current === todoId) return true;
    if (seen.has(current)) continue;
    seen.add(current);
    pending.push(...(edges.get(current) ?? []));
  }
  return false;
}

/**
 * What an update changed, for the `todoUpdated` event: `{wire_field: newValue}` for
 * each of `fields` (row keys) whose value differs between the two rows.
 */
export function changedFields<T extends object>(before: T, after: T, fields: readonly (keyof T & string)[]): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const field of fields) {
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) changes[snakeCase(field)] = after[field];
  }
  return changes;
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** Whether someone holds the todo now: a claim whose lease has not run out. */
export function claimLive(todo: { claimedBy: string | null; claimExpiresAt: Date | null }, now = new Date()): boolean {
  return Boolean(todo.claimedBy && todo.claimExpiresAt && todo.claimExpiresAt > now);
}
