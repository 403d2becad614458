import type { Db } from '../db/client.js';
import type { EventBus } from '../events/bus.js';
import type { Cache } from '../infra/cache.js';
import type { EventNumbering } from './event-numbering.js';
import type { GitHubIntegration } from './github/integration.js';
import type { DomainMemo } from './memo.js';
import type { PreparedStatements } from './statements.js';
import type { UserRole } from './users/rules.js';

/** Who is acting, as they are now: resolved per request from the memo, never frozen in a token. */
export interface Actor {
  id: string;
  email: string;
  role: UserRole;
}

/**
 * How far a caller reaches within what their user may do. REST and the hub act with
 * the whole of it; an MCP key can be bound to one project and be read-only, and
 * domain/access.ts enforces both for every operation.
 */
export interface AccessScope {
  /** The one project the caller may see (and, through it, its team); undefined: all of the user's. */
  readonly projectId?: string | undefined;
  /** Every write is refused. */
  readonly readOnly?: boolean | undefined;
}

/** The user's whole reach: what REST and the hub act with. */
export const FULL_SCOPE: AccessScope = Object.freeze({});

/** Deployment-set bounds the rules enforce (config.ts reads them). */
export interface DomainLimits {
  /** Bytes of document content one project may hold in all; 0 = no quota. */
  documentQuotaBytes: number;
}

/** What every service function receives: explicit, per call, never a global. */
export interface ServiceContext {
  db: Db;
  actor: Actor;
  scope: AccessScope;
  events: EventBus;
  cache: Cache;
  /** This process's memo of access facts and rendered views (domain/memo.ts). */
  memo: DomainMemo;
  /** Hands out the projects' event numbers after commit (event-numbering.ts). */
  numbering: EventNumbering;
  /** The hot paths' queries, prepared once for `db` (statements.ts). */
  statements: PreparedStatements;
  limits: DomainLimits;
  /** GitHub clients, stored-token keys and OAuth state (github/integration.ts). */
  github: GitHubIntegration;
}

/** The long-lived parts a context is made of. */
export type ContextDeps = Omit<ServiceContext, 'actor' | 'scope'>;

/** The one way to build a service context, for REST, MCP and the hub alike. */
export function contextFor(deps: ContextDeps, actor: Actor, scope: AccessScope = FULL_SCOPE): ServiceContext {
  return {
    db: deps.db,
    events: deps.events,
    cache: deps.cache,
    memo: deps.memo,
    numbering: deps.numbering,
    statements: deps.statements,
    limits: deps.limits,
    github: deps.github,
    actor,
    scope,
  };
}
