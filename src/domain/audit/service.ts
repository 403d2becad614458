import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../../db/client.js';
import { activity, documents, features, ideas, projectElements, projects, sessions, teamMembers, todos, users } from '../../db/schema.js';
import { isAdmin, readableTeamIds, requireProjectAccess, requireTeamReader } from '../access.js';
import type { ServiceContext } from '../context.js';
import { NotFound, RuleViolation } from '../errors.js';

/**
 * The audit trail: who created and last changed an entity, and its history from the
 * `activity` log (written in the same transaction as every change). Scoped like
 * everything else: an entity whose project (for ideas: team) the caller cannot read
 * does not exist for them.
 */

export const AUDITED_ENTITY_TYPES = ['project', 'feature', 'todo', 'element', 'document', 'session', 'idea'] as const;
export type AuditedEntityType = (typeof AUDITED_ENTITY_TYPES)[number];

interface EntityTable {
  table: PgTable;
  label: string;
  id: AnyPgColumn;
  name: AnyPgColumn;
  createdBy: AnyPgColumn;
  updatedBy: AnyPgColumn;
  createdAt: AnyPgColumn;
  updatedAt: AnyPgColumn;
  /** What the entity belongs to, and so who may see it. */
  owner: { project: AnyPgColumn } | { team: AnyPgColumn };
}

const audit = (table: PgTable & Record<'id' | 'createdBy' | 'updatedBy' | 'createdAt' | 'updatedAt', AnyPgColumn>) => ({
  table,
  id: table.id,
  createdBy: table.createdBy,
  updatedBy: table.updatedBy,
  createdAt: table.createdAt,
  updatedAt: table.updatedAt,
});

const ENTITY_TABLES: Record<AuditedEntityType, EntityTable> = {
  project: { ...audit(projects), label: 'Project', name: projects.name, owner: { team: projects.teamId } },
  feature: { ...audit(features), label: 'Feature', name: features.name, owner: { project: features.projectId } },
  todo: { ...audit(todos), label: 'Todo', name: todos.title, owner: { project: todos.projectId } },
  element: { ...audit(projectElements), label: 'Element', name: projectElements.title, owner: { project: projectElements.projectId } },
  document: { ...audit(documents), label: 'Document', name: documents.title, owner: { project: documents.projectId } },
  session: { ...audit(sessions), label: 'Session', name: sessions.title, owner: { project: sessions.projectId } },
  idea: { ...audit(ideas), label: 'Idea', name: ideas.title, owner: { team: ideas.teamId } },
};

export function parseEntityType(type: string): AuditedEntityType {
  if ((AUDITED_ENTITY_TYPES as readonly string[]).includes(type)) return type as AuditedEntityType;
  throw new RuleViolation(`Invalid entity type '${type}': use one of ${AUDITED_ENTITY_TYPES.join(', ')}`);
}

export interface AuditActor {
  id: string;
  email: string;
  name: string | null;
}

export interface EntityAudit {
  entityType: AuditedEntityType;
  entityId: string;
  createdBy: AuditActor | null;
  updatedBy: AuditActor | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  history: { action: string; actor: AuditActor | null; at: Date; before: unknown; after: unknown }[];
}

/**
 * An entity's audit record. A deleted entity keeps its history: it is then scoped by
 * the project (or team) its last activity row names.
 */
export async function entityAudit(ctx: ServiceContext, type: AuditedEntityType, entityId: string, historyLimit: number): Promise<EntityAudit> {
  const entity = ENTITY_TABLES[type];
  const ownerColumn = 'project' in entity.owner ? entity.owner.project : entity.owner.team;
  const [live] = (await ctx.db
    .select({ owner: ownerColumn, createdBy: entity.createdBy, updatedBy: entity.updatedBy, createdAt: entity.createdAt, updatedAt: entity.updatedAt })
    .from(entity.table)
    .where(eq(entity.id, entityId))
    .limit(1)) as { owner: string; createdBy: string | null; updatedBy: string | null; createdAt: Date; updatedAt: Date }[];

  if (!live) await requireDeletedEntityReadable(ctx, type, entityId, entity.label);
  else if (type === 'project') await requireProjectAccess(ctx, entityId, 'read', entity.label);
  else if ('project' in entity.owner) await requireProjectAccess(ctx, live.owner, 'read', entity.label);
  else await requireTeamReader(ctx, live.owner, entity.label);

  const rows = await ctx.db
    .select()
    .from(activity)
    .where(and(eq(activity.entityType, type), eq(activity.entityId, entityId)))
    .orderBy(desc(activity.at), desc(activity.id))
    .limit(historyLimit);
  const history = rows.reverse();

  const first = history.find((row) => row.action.endsWith('.created'));
  const last = history.at(-1);
  const createdById = live ? live.createdBy : (first?.actorId ?? null);
  const updatedById = live ? live.updatedBy : (last?.actorId ?? null);
  const actors = await actorsById(ctx.db, [createdById, updatedById, ...history.map((row) => row.actorId)]);
  const actorOf = (id: string | null) => (id ? (actors.get(id) ?? null) : null);
  return {
    entityType: type,
    entityId,
    createdBy: actorOf(createdById),
    updatedBy: actorOf(updatedById),
    createdAt: live ? live.createdAt : (first?.at ?? null),
    updatedAt: live ? live.updatedAt : (last?.at ?? null),
    history: history.map((row) => ({ action: row.action, actor: actorOf(row.actorId), at: row.at, before: row.before, after: row.after })),
  };
}

/** A deleted entity is visible through the project (or team) its newest activity row names. */
async function requireDeletedEntityReadable(ctx: ServiceContext, type: AuditedEntityType, entityId: string, label: string): Promise<void> {
  const [latest] = await ctx.db
    .select({ projectId: activity.projectId, teamId: activity.teamId })
    .from(activity)
    .where(and(eq(activity.entityType, type), eq(activity.entityId, entityId)))
    .orderBy(desc(activity.at))
    .limit(1);
  if (!latest) throw new NotFound(label);
  if (isAdmin(ctx.actor)) return;
  if (latest.projectId && type !== 'project' && type !== 'idea') {
    const [project] = await ctx.db.select({ id: projects.id }).from(projects).where(eq(projects.id, latest.projectId)).limit(1);
    if (project) return void (await requireProjectAccess(ctx, latest.projectId, 'read', label));
  }
  if (!latest.teamId) throw new NotFound(label);
  await requireTeamReader(ctx, latest.teamId, label);
}

async function actorsById(db: DbOrTx, ids: (string | null)[]): Promise<Map<string, AuditActor>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Map();
  const rows = await db.select({ id: users.id, email: users.email, name: users.name }).from(users).where(inArray(users.id, wanted));
  return new Map(rows.map((row) => [row.id, row]));
}

export type AuthorshipKind = 'created' | 'updated';

export interface UserAuthorship {
  user: AuditActor;
  total: number;
  entities: { entityType: AuditedEntityType; entityId: string; at: Date; name: string | null }[];
}

/**
 * What `userId` created (or last updated), newest first. An admin sees anyone's; a
 * user sees their own in the teams they belong to now; anyone else sees only
 * entities of the teams they share with that user, and a user they share no team
 * with does not exist for them.
 */
export async function userAuthorship(
  ctx: ServiceContext,
  userId: string,
  kind: AuthorshipKind,
  filter: { entityType?: AuditedEntityType | undefined; limit: number },
): Promise<UserAuthorship> {
  const [user] = await ctx.db.select({ id: users.id, email: users.email, name: users.name }).from(users).where(eq(users.id, userId)).limit(1);
  if (!user) throw new NotFound('User');
  // Your own entities too are shown only where you can read them now: after leaving
  // a team, its titles are no more yours to see than anyone else's.
  const teams = userId === ctx.actor.id ? await readableTeamIds(ctx) : await sharedTeamIds(ctx, userId);
  if (teams !== 'all' && teams.length === 0 && userId !== ctx.actor.id) throw new NotFound('User');

  const types = filter.entityType ? [filter.entityType] : AUDITED_ENTITY_TYPES;
  const perType = await Promise.all(types.map((type) => authoredBy(ctx.db, type, userId, kind, teams, filter.limit)));
  const entities = perType
    .flatMap((result) => result.rows)
    .sort((a, b) => b.at.getTime() - a.at.getTime() || a.entityId.localeCompare(b.entityId))
    .slice(0, filter.limit);
  return { user, total: perType.reduce((sum, result) => sum + result.total, 0), entities };
}

/** Teams both the caller and `userId` belong to; `'all'` for an admin. */
async function sharedTeamIds(ctx: ServiceContext, userId: string): Promise<string[] | 'all'> {
  const mine = await readableTeamIds(ctx);
  if (mine === 'all') return 'all';
  if (mine.length === 0) return [];
  const theirs = await ctx.db
    .select({ teamId: teamMembers.teamId })
    .from(teamMembers)
    .where(and(eq(teamMembers.userId, userId), inArray(teamMembers.teamId, mine)));
  return theirs.map((row) => row.teamId);
}

async function authoredBy(db: DbOrTx, type: AuditedEntityType, userId: string, kind: AuthorshipKind, teams: string[] | 'all', limit: number) {
  if (teams !== 'all' && teams.length === 0) return { total: 0, rows: [] };
  const entity = ENTITY_TABLES[type];
  const conditions: SQL[] = [eq(kind === 'created' ? entity.createdBy : entity.updatedBy, userId)];
  if (teams !== 'all') {
    if ('team' in entity.owner) conditions.push(inArray(entity.owner.team, teams));
    else conditions.push(inArray(entity.owner.project, db.select({ id: projects.id }).from(projects).where(inArray(projects.teamId, teams))));
  }
  const at = kind === 'created' ? entity.createdAt : entity.updatedAt;
  const rows = (await db
    .select({ entityId: entity.id, name: entity.name, at, total: sql<number>`count(*) over ()`.mapWith(Number) })
    .from(entity.table)
    .where(and(...conditions))
    .orderBy(desc(at), asc(entity.id))
    .limit(limit)) as { entityId: string; name: string | null; at: Date; total: number }[];
  return {
    total: rows[0]?.total ?? 0,
    rows: rows.map((row) => ({ entityType: type, entityId: row.entityId, name: row.name, at: row.at })),
  };
}
