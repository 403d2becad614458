import type { Cache } from '../infra/cache.js';
import type { EventBus } from './bus.js';
import type { DomainEvent } from './types.js';

/** The scope names cached reads hang off; the same strings on both sides. */
export const cacheScopes = {
  project: (projectId: string) => `project:${projectId}`,
  team: (teamId: string) => `team:${teamId}`,
  user: (userId: string) => `user:${userId}`,
  /** Everything an admin's unfiltered lists show. */
  allProjects: 'projects:all',
} as const;

/**
 * Which scopes an event makes stale. Deliberately broad: every event invalidates its
 * project, its team and the admins' all-projects view, so a new kind of event (or a
 * new field on a project) can never leave a stale list behind. A bump is one INCR.
 * `teamUpdated` events naming a user (membership changes) also invalidate that user.
 */
export function scopesOf(event: DomainEvent): string[] {
  const scopes: string[] = [cacheScopes.allProjects];
  if (event.teamId) scopes.push(cacheScopes.team(event.teamId));
  if (event.projectId) scopes.push(cacheScopes.project(event.projectId));
  const changes = event.payload.changes as { userId?: unknown } | undefined;
  if (event.name === 'teamUpdated' && typeof changes?.userId === 'string') scopes.push(cacheScopes.user(changes.userId));
  return scopes;
}

/** Hangs cache invalidation off the bus; returns the unsubscribe function. */
export function subscribeCacheInvalidation(events: EventBus, cache: Cache): () => void {
  return events.subscribe(async (event) => {
    await Promise.all(scopesOf(event).map((scope) => cache.invalidate(scope)));
  });
}
