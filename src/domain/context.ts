import type { Db } from '../db/client.js';
import type { EventBus } from '../events/bus.js';
import type { Cache } from '../infra/cache.js';
import type { EventNumbering } from './event-numbering.js';
import type { DomainMemo } from './memo.js';
import type { UserRole } from './users/rules.js';

/** Who is acting, as they are now: resolved per request from the memo, never frozen in a token. */
export interface Actor {
  id: string;
  email: string;
  role: UserRole;
}

/** Deployment-set bounds the rules enforce (config.ts reads them). */
export interface DomainLimits {
  /** Bytes of document content one project may hold in all; 0 = no quota. */
  documentQuotaBytes: number;
}

/** What every service function receives: explicit, per call, never a global. */
export interface ServiceContext {
  db: Db;
  actor: Actor;
  events: EventBus;
  cache: Cache;
  /** This process's memo of access facts and rendered views (domain/memo.ts). */
  memo: DomainMemo;
  /** Hands out the projects' event numbers after commit (event-numbering.ts). */
  numbering: EventNumbering;
  limits: DomainLimits;
}

/** The long-lived parts a context is made of. */
export type ContextDeps = Omit<ServiceContext, 'actor'>;

/** The one way to build a service context, for REST, MCP and the hub alike. */
export function contextFor(deps: ContextDeps, actor: Actor): ServiceContext {
  return { db: deps.db, events: deps.events, cache: deps.cache, memo: deps.memo, numbering: deps.numbering, limits: deps.limits, actor };
}
