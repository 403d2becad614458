import { requireProjectAccess } from '../domain/access.js';
import type { Actor, ServiceContext } from '../domain/context.js';
import { DomainError } from '../domain/errors.js';
import { isUuid } from '../domain/ids.js';
import { HubError, type HubConnection } from './connection.js';
import { type GroupMessage, groups } from './groups.js';

/**
 * What clients may invoke (reference/rest-api.md §5): thin like a route — check the
 * arguments, authorize through domain/access.ts, update groups, answer.
 */
export interface HubMethod {
  /** Smallest and largest argument count accepted. */
  arity: readonly [number, number];
  /** `actor` is the caller as they are now, read for this very call. */
  run(connection: HubConnection, actor: Actor, args: unknown[]): Promise<unknown>;
}

/** What the methods need of the hub (hub.ts implements it; this file does not import it). */
export interface HubMethodHost {
  contextOf(actor: Actor): ServiceContext;
  rememberProjectTeam(projectId: string, teamId: string): void;
  enterProject(connection: HubConnection, projectId: string): Promise<void>;
  exitProject(connection: HubConnection, projectId: string): Promise<boolean>;
  /** Checks the connection's groups against its user as they are now. */
  recheck(connections: readonly HubConnection[], userId: string): Promise<void>;
  sendTo(connection: HubConnection, target: string, args: unknown[]): void;
  broadcast(message: GroupMessage): void;
}

const MAX_ACTION_LENGTH = 200;

/** The project id argument: a UUID string, or `{projectId}` as the old client also sent. */
function projectIdOf(value: unknown): string {
  const id = typeof value === 'object' && value !== null ? (value as { projectId?: unknown }).projectId : value;
  if (!isUuid(id)) throw new HubError('Project not found');
  return id.toLowerCase();
}

/** Methods by lower-cased name: SignalR matches hub method names case-insensitively. */
export function hubMethods(hub: HubMethodHost): Map<string, HubMethod> {
  const joinProject: HubMethod = {
    arity: [1, 1],
    async run(connection, actor, [value]) {
      const projectId = projectIdOf(value);
      const epoch = connection.accessEpoch;
      let teamId: string;
      try {
        teamId = (await requireProjectAccess(hub.contextOf(actor), projectId, 'read')).teamId;
      } catch (error) {
        // Unknown and forbidden look the same, as over REST (DECISIONS.md "Access control").
        if (error instanceof DomainError) throw new HubError(error.message);
        throw error;
      }
      hub.rememberProjectTeam(projectId, teamId);
      await hub.enterProject(connection, projectId);
      // A re-check that ran while access was being decided could not see this group:
      // decide again, so a role or membership change in between still holds.
      if (connection.accessEpoch !== epoch) await hub.recheck([connection], connection.user.id);
      if (!connection.groups.has(groups.project(projectId))) throw new HubError('Project not found');
      hub.sendTo(connection, 'joinedProject', [{ projectId }]);
      return undefined;
    },
  };

  const leaveProject: HubMethod = {
    arity: [1, 1],
    async run(connection, _actor, [value]) {
      const projectId = projectIdOf(value);
      await hub.exitProject(connection, projectId);
      hub.sendTo(connection, 'leftProject', [{ projectId }]);
      return undefined;
    },
  };

  const sendUserActivity: HubMethod = {
    arity: [2, 3],
    async run(connection, actor, [project, action, featureId]) {
      const projectId = projectIdOf(project);
      if (!connection.groups.has(groups.project(projectId))) throw new HubError('Join the project before sending activity to it.');
      if (typeof action !== 'string' || action.length === 0 || action.length > MAX_ACTION_LENGTH) {
        throw new HubError(`'action' must be a string of 1 to ${MAX_ACTION_LENGTH} characters.`);
      }
      if (featureId !== undefined && featureId !== null && !isUuid(featureId)) {
        throw new HubError("'featureId' must be a feature id or null.");
      }
      hub.broadcast({
        group: groups.project(projectId),
        target: 'userActivity',
        args: [{ userId: actor.id, projectId, action, featureId: featureId ?? null }],
        exceptConnectionId: connection.id,
      });
      return undefined;
    },
  };

  return new Map([
    ['joinproject', joinProject],
    ['leaveproject', leaveProject],
    ['senduseractivity', sendUserActivity],
  ]);
}
