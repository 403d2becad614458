import { and, count, desc, eq, inArray, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { features, projectElements, projects } from '../../db/schema.js';
import { cacheScopes } from '../../events/cache-invalidation.js';
import { type ProjectRow, boundProjectId, readableTeamIds, requireProjectAccess, requireTeamReader, requireTeamWriter } from '../access.js';
import type { ServiceContext } from '../context.js';
import { NotFound, RuleViolation } from '../errors.js';
import { type MutationRecorder, mutate } from '../mutation.js';
import type { Page, PageRequest } from '../pagination.js';
import { DEFAULT_ELEMENT, type ProjectStatus, mergeResumeContext } from './rules.js';

export type { ProjectRow };

export interface ProjectInput {
  teamId: string;
  name: string;
  description?: string | null | undefined;
  status?: ProjectStatus | undefined;
  tags?: string[] | undefined;
  technologyTags?: string[] | undefined;
  cursorInstructions?: string | null | undefined;
  githubRepoUrl?: string | null | undefined;
  resumeContext?: Record<string, unknown> | null | undefined;
}

export type ProjectChanges = Partial<Omit<ProjectInput, 'resumeContext'>> & {
  resumeContext?: Record<string, unknown> | undefined;
};

/**
 * Any team member may start a project in their team, with its repository URL if
 * known; it comes with its "Default" element. One write, one activity row, one event.
 */
export async function createProject(ctx: ServiceContext, input: ProjectInput): Promise<ProjectRow> {
  await requireTeamWriter(ctx, input.teamId);
  return mutate(ctx, (tx, record) => insertProject(tx, record, ctx.actor.id, input));
}

/**
 * Inserts a project with its default element inside the caller's mutation; for
 * callers that checked access already (idea conversion).
 */
export async function insertProject(tx: DbOrTx, record: MutationRecorder, actorId: string, input: ProjectInput): Promise<ProjectRow> {
  const [project] = await tx
    .insert(projects)
    .values({
      teamId: input.teamId,
      name: input.name,
      description: input.description ?? null,
      status: input.status ?? 'active',
      tags: input.tags ?? [],
      technologyTags: input.technologyTags ?? [],
      cursorInstructions: input.cursorInstructions ?? null,
      githubRepoUrl: input.githubRepoUrl ?? null,
      resumeContext: input.resumeContext ?? null,
      createdBy: actorId,
      updatedBy: actorId,
    })
    .returning();
  await ensureDefaultElement(tx, project!.id, actorId);
  record.activity({ action: 'project.created', entityType: 'project', entityId: project!.id, teamId: project!.teamId, projectId: project!.id, after: project });
  record.event({ name: 'projectUpdated', teamId: project!.teamId, projectId: project!.id, payload: { projectId: project!.id, changes: { action: 'created' } } });
  return project!;
}

/**
 * The project's "Default" element (a root module), where todos created without an
 * element go. Created with the project, and again if someone deleted it.
 */
export async function ensureDefaultElement(db: DbOrTx, projectId: string, actorId: string | null): Promise<string> {
  const [existing] = await db
    .select({ id: projectElements.id })
    .from(projectElements)
    .where(
      and(
        eq(projectElements.projectId, projectId),
        eq(projectElements.type, DEFAULT_ELEMENT.type),
        eq(projectElements.title, DEFAULT_ELEMENT.title),
      ),
    )
    .orderBy(projectElements.createdAt)
    .limit(1);
  if (existing) return existing.id;
  const [created] = await db
    .insert(projectElements)
    .values({ projectId, ...DEFAULT_ELEMENT, createdBy: actorId, updatedBy: actorId })
    .returning({ id: projectElements.id });
  return created!.id;
}

/**
 * A page of the projects the caller may read, newest first. Cached: who may read
 * which team is decided fresh on every call (never cached); the page itself is keyed
 * by the set of teams it draws from plus the filters, so callers with the same teams
 * share it and a membership change simply leads to another key. Project events bump
 * the teams' scopes (events/cache-invalidation.ts).
 */
export async function listProjects(
  ctx: ServiceContext,
  filters: { status?: ProjectStatus | undefined; teamId?: string | undefined },
  page: PageRequest,
): Promise<Page<ProjectRow>> {
  let teamIds: string[] | 'all';
  if (filters.teamId) await requireTeamReader(ctx, filters.teamId);
  const bound = boundProjectId(ctx);
  if (bound) return boundProjectPage(ctx, bound, filters, page);
  if (filters.teamId) {
    teamIds = [filters.teamId];
  } else {
    teamIds = await readableTeamIds(ctx);
    if (teamIds !== 'all' && teamIds.length === 0) return { items: [], total: 0, page: page.page, pageSize: page.pageSize };
  }
  const teams = teamIds === 'all' ? 'all' : [...teamIds].sort();
  const scopes = teams === 'all' ? [cacheScopes.allProjects] : teams.map(cacheScopes.team);
  const key = `projects:list:teams=${teams === 'all' ? '*' : teams.join(',')}:status=${filters.status ?? ''}:${page.offset}+${page.pageSize}`;
  const cached = await ctx.cache.remember(scopes, key, () => queryProjects(ctx.db, teams, filters.status, page));
  return { ...cached, items: cached.items.map(reviveProject) };
}

/** A scope bound to one project lists that project alone, if it passes the filters. */
async function boundProjectPage(
  ctx: ServiceContext,
  projectId: string,
  filters: { status?: ProjectStatus | undefined; teamId?: string | undefined },
  page: PageRequest,
): Promise<Page<ProjectRow>> {
  const project = await requireProjectAccess(ctx, projectId, 'read').catch((error: unknown) => {
    if (error instanceof NotFound) return undefined;
    throw error;
  });
  const matches = project && (!filters.teamId || project.teamId === filters.teamId) && (!filters.status || project.status === filters.status);
  const items = matches && page.offset === 0 ? [project] : [];
  return { items, total: matches ? 1 : 0, page: page.page, pageSize: page.pageSize };
}

async function queryProjects(db: DbOrTx, teams: string[] | 'all', status: ProjectStatus | undefined, page: PageRequest): Promise<Page<ProjectRow>> {
  const conditions: SQL[] = [];
  if (teams !== 'all') conditions.push(inArray(projects.teamId, teams));
  if (status) conditions.push(eq(projects.status, status));
  const where = and(...conditions);
  const [items, [totals]] = await Promise.all([
    db.select().from(projects).where(where).orderBy(desc(projects.createdAt), desc(projects.id)).limit(page.pageSize).offset(page.offset),
    db.select({ total: count() }).from(projects).where(where),
  ]);
  return { items, total: totals?.total ?? 0, page: page.page, pageSize: page.pageSize };
}

/** A project row back from the cache, where its dates became ISO strings. */
function reviveProject(row: ProjectRow): ProjectRow {
  const date = (value: Date | string | null) => (value === null ? null : new Date(value));
  return { ...row, createdAt: date(row.createdAt)!, updatedAt: date(row.updatedAt)!, lastSessionAt: date(row.lastSessionAt) };
}

/**
 * Not cached, on purpose: the access check is itself the read (one indexed join of
 * the project and the caller's membership), and access is never cached. A cached row
 * would still need that membership query, so it could only add a round trip.
 */
export function getProject(ctx: ServiceContext, projectId: string): Promise<ProjectRow> {
  return requireProjectAccess(ctx, projectId, 'read');
}

/** Team leaders edit projects; moving one to another team needs membership there too. */
export async function updateProject(ctx: ServiceContext, projectId: string, changes: ProjectChanges): Promise<ProjectRow> {
  const current = await requireProjectAccess(ctx, projectId, 'manage');
  if (changes.teamId && changes.teamId !== current.teamId) await requireTeamReader(ctx, changes.teamId);
  return mutate(ctx, async (tx, record) => {
    if (changes.status === 'archived' && current.status !== 'archived') await assertNothingInFlight(tx, projectId);
    const values: Partial<typeof projects.$inferInsert> = { updatedBy: ctx.actor.id };
    if (changes.teamId !== undefined) values.teamId = changes.teamId;
    if (changes.name !== undefined) values.name = changes.name;
    if (changes.description !== undefined) values.description = changes.description;
    if (changes.status !== undefined) values.status = changes.status;
    if (changes.tags !== undefined) values.tags = changes.tags;
    if (changes.technologyTags !== undefined) values.technologyTags = changes.technologyTags;
    if (changes.cursorInstructions !== undefined) values.cursorInstructions = changes.cursorInstructions;
    if (changes.githubRepoUrl !== undefined) values.githubRepoUrl = changes.githubRepoUrl;
    if (changes.resumeContext !== undefined) values.resumeContext = mergeResumeContext(current.resumeContext, changes.resumeContext);
    const [updated] = await tx.update(projects).set(values).where(eq(projects.id, projectId)).returning();
    if (!updated) throw new NotFound('Project');
    const changed = Object.keys(values).filter((key) => key !== 'updatedBy');
    record.activity({ action: 'project.updated', entityType: 'project', entityId: projectId, teamId: updated.teamId, projectId, before: current, after: updated });
    record.event({ name: 'projectUpdated', teamId: updated.teamId, projectId, payload: { projectId, changes: { action: 'updated', fields: changed } } });
    if (updated.teamId !== current.teamId) {
      // The old team's members must also learn that the project left them.
      record.event({ name: 'projectUpdated', teamId: current.teamId, payload: { projectId, changes: { action: 'moved', fields: ['team_id'] } } });
    }
    return updated;
  });
}

export async function deleteProject(ctx: ServiceContext, projectId: string): Promise<void> {
  const current = await requireProjectAccess(ctx, projectId, 'manage');
  await mutate(ctx, async (tx, record) => {
    // Recorded first: the event's seq lives on the row about to go.
    record.event({ name: 'projectUpdated', teamId: current.teamId, projectId, payload: { projectId, changes: { action: 'deleted' } } });
    record.activity({ action: 'project.deleted', entityType: 'project', entityId: projectId, teamId: current.teamId, projectId, before: current });
    await tx.delete(projects).where(eq(projects.id, projectId));
  });
}

/**
 * The archive guard: a project with features still in flight (started, done but not
 * yet tested, or tested but not merged) cannot be archived, since archiving makes its
 * content read-only. Merged and never-started features do not hold it back.
 */
async function assertNothingInFlight(tx: DbOrTx, projectId: string): Promise<void> {
  const [row] = await tx
    .select({ total: count() })
    .from(features)
    .where(and(eq(features.projectId, projectId), inArray(features.status, IN_FLIGHT_FEATURE_STATUSES)));
  const total = row?.total ?? 0;
  if (total > 0) {
    throw new RuleViolation(
      `Cannot archive project: ${total} active feature(s) found (in_progress, done or tested). Merge them or set them back to new first.`,
    );
  }
}

const IN_FLIGHT_FEATURE_STATUSES = ['in_progress', 'done', 'tested'];
