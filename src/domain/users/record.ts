import type { MutationRecorder } from '../mutation.js';

/**
 * A change to who a user is or what they may do: the audit row, and a `userUpdated`
 * event so every instance's memo of access facts forgets the user at once.
 */
export function recordUserChange(record: MutationRecorder, userId: string, action: string, after?: Record<string, unknown>): void {
  record.activity({ action: `user.${action}`, entityType: 'user', entityId: userId, after });
  record.event({ name: 'userUpdated', teamId: '', payload: { userId, changes: { action } } });
}
