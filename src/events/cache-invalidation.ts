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
 * Which scopes an event makes stale. The team and all-projects scopes hold the
 * project lists, which only team, project and idea events change; the work inside a
 * project (todos, features, elements, sessions, documents) only makes that project's
 * scope stale. A bump is one INCR, and todo changes are the most frequent events,
 * so they bump one scope, not three. `teamUpdated` events naming a user
 * (membership changes) also invalidate that user.
 */
export function scopesOf(event: DomainEvent): string[] {
  const scopes: string[] = [];
  if (event.projectId) scopes.push(cacheScopes.project(event.projectId));
  if (LIST_EVENTS.has(event.name)) {
    scopes.push(cacheScopes.allProjects);
    if (event.teamId) scopes.push(cacheScopes.team(event.teamId));
  }
  const changes = event.payload.changes as { userId?: unknown } | undefined;
  if (event.name === 'teamUpdated' && typeof changes?.userId === 'string') scopes.push(cacheScopes.user(changes.userId));
  if (event.name === 'userUpdated' && typeof event.payload.userId === 'string') scopes.push(cacheScopes.user(event.payload.userId));
  return scopes;
}

/** Events that can change what a project list shows. */
const LIST_EVENTS: ReadonlySet<DomainEvent['name']> = new Set(['projectUpdated', 'teamUpdated', 'ideaUpdated', 'userUpdated']);

/** Hangs cache invalidation off the bus; returns the unsubscribe function. */
export function subscribeCacheInvalidation(events: EventBus, cache: Cache): () => void {
  return events.subscribe(async (event) => {
    await Promise.all(scopesOf(event).map((scope) => cache.invalidate(scope)));
  });
}
