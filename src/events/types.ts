/**
 * Domain events: what changed, published after the transaction that changed it has
 * committed. Names and payload fields are the old server's SignalR events
 * (reference/rest-api.md §4), plus `actorId`, `version` (where the entity has one)
 * and `seq`, a per-project counter so a client can tell it missed something.
 */
export type DomainEventName =
  | 'todoUpdated'
  | 'featureUpdated'
  | 'projectUpdated'
  | 'sessionStarted'
  | 'sessionEnded'
  | 'sessionUpdated'
  | 'ideaUpdated'
  | 'mcpVerified'
  | 'teamUpdated'
  /** A user's role, activity, profile or existence changed; addressed to nobody on the wire. */
  | 'userUpdated'
  /** MCP API keys stopped working (revoked, replaced or deleted): their open MCP sessions close. Nobody on the wire. */
  | 'mcpKeyRevoked';

export interface DomainEvent {
  name: DomainEventName;
  /** The team whose members may see this event; empty for events about one user (`mcpVerified`, `userUpdated`, `mcpKeyRevoked`). */
  teamId: string;
  /** Set for project-scoped events; those get a `seq`. */
  projectId?: string | undefined;
  actorId: string | null;
  /** The wire payload, in the reference's camelCase field names. */
  payload: Record<string, unknown>;
  version?: number | undefined;
  seq?: number | undefined;
  /** Commit time. */
  at: Date;
}

/** What services hand to the recorder; the mutation fills in actor, seq and time. */
export type PendingEvent = Omit<DomainEvent, 'actorId' | 'seq' | 'at'>;
