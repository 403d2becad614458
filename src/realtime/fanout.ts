import type { DomainEvent } from '../events/types.js';
import { groups } from './groups.js';
import type { Hub } from './hub.js';

/**
 * Domain events to SignalR invocations (reference/rest-api.md §4), on this
 * instance's connections. Every instance runs this for every event (its own from the
 * bus, the others' through the backplane), because group membership is local.
 *
 * - project events → the project's group (connections that joined after a read check);
 * - `ideaUpdated`, `teamUpdated` and a new project's `projectUpdated` → the team's
 *   members and the admins;
 * - `mcpVerified` → that user's connections;
 * - `userUpdated` (role, activity, deletion) → nobody; the user's connections are
 *   re-checked: a demoted admin leaves the other teams, a deactivated or deleted
 *   user's connections are closed.
 * Membership changes are applied before the event goes out, so a removed member
 * never hears of the team again and an added one does. The re-checks read the
 * in-process memo, which its own listener (events/memo-invalidation.ts) has made
 * forget the changed facts before this runs: it subscribed first, and the bus calls
 * listeners in order, for remote events as for local ones.
 */
export async function fanOut(hub: Hub, event: DomainEvent): Promise<void> {
  const payload = wirePayload(event);
  const name = event.name as string;

  if (event.name === 'userUpdated') {
    if (typeof event.payload.userId === 'string') await hub.recheckUser(event.payload.userId);
    return;
  }
  if (event.name === 'teamUpdated') await applyTeamChange(hub, event);
  if (event.name === 'projectUpdated' && !event.projectId && typeof payload.projectId === 'string') await hub.recheckProject(payload.projectId);
  // A project event from a team other than the one its joiners were checked against:
  // the project moved, so check them again before anyone hears of it.
  if (event.projectId && movedTeam(hub, event.projectId, event.teamId)) await hub.recheckProject(event.projectId);

  if (name === 'mcpVerified') {
    if (typeof payload.userId === 'string') hub.deliver({ group: groups.user(payload.userId), target: name, args: [payload] });
    return;
  }
  if (event.name === 'ideaUpdated' || event.name === 'teamUpdated') return toTeam(hub, event.teamId, name, payload);
  if (!event.projectId) return;

  hub.deliver({ group: groups.project(event.projectId), target: name, args: [payload] });
  const action = (payload.changes as { action?: unknown } | undefined)?.action;
  if (event.name === 'projectUpdated' && action === 'created') {
    // Nobody has joined a brand-new project yet: its team learns of it through the team group.
    toTeam(hub, event.teamId, name, payload);
  }
  if (event.name === 'projectUpdated' && action === 'deleted') {
    for (const connection of hub.connectionsIn(groups.project(event.projectId))) await hub.exitProject(connection, event.projectId);
  }
}

/** The reference payload plus who did it and where it sits in the project's history. */
export function wirePayload(event: DomainEvent): Record<string, unknown> {
  return {
    ...event.payload,
    actorId: event.actorId,
    ...(event.version !== undefined && { version: event.version }),
    ...(event.seq !== undefined && { seq: event.seq }),
  };
}

function movedTeam(hub: Hub, projectId: string, teamId: string): boolean {
  const knownTeam = hub.teamOfProject(projectId);
  return knownTeam !== undefined && knownTeam !== teamId;
}

function toTeam(hub: Hub, teamId: string, target: string, payload: Record<string, unknown>): void {
  // An admin who is also a member sits in both groups: send once per connection.
  const recipients = new Set([...hub.connectionsIn(groups.team(teamId)), ...hub.connectionsIn(groups.admins)]);
  hub.deliverTo([...recipients], target, [payload]);
}

/** Membership or team changes: move the affected user's groups, drop what they lost. */
async function applyTeamChange(hub: Hub, event: DomainEvent): Promise<void> {
  const changes = (event.payload.changes ?? {}) as { action?: unknown; userId?: unknown };
  if (changes.action === 'deleted') {
    for (const projectId of hub.projectsOfTeam(event.teamId)) {
      for (const connection of hub.connectionsIn(groups.project(projectId))) await hub.evict(connection, projectId);
    }
    for (const connection of hub.connectionsIn(groups.team(event.teamId))) hub.leave(connection, groups.team(event.teamId));
    return;
  }
  if (typeof changes.userId === 'string') await hub.recheckUser(changes.userId);
}
