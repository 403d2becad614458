import { and, asc, count, desc, eq, gte, inArray, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { activity, features, projectElements, projects, sessions, todos, users } from '../../db/schema.js';
import { requireProjectAccess, requireProjectWriter } from '../access.js';
import type { ServiceContext } from '../context.js';
import { NotFound, RuleViolation } from '../errors.js';
import { mutate } from '../mutation.js';
import type { Page, PageRequest } from '../pagination.js';
import { COMPLETED_FEATURE_STATUSES, generateSessionSummary, sessionListProblems, unique } from './rules.js';

export type SessionRow = typeof sessions.$inferSelect;

export interface StartSessionInput {
  projectId: string;
  title?: string | null | undefined;
  goal?: string | null | undefined;
  featureIds?: string[] | undefined;
}

/** What a session records as done; a list given replaces the stored one. */
export interface SessionLists {
  todosCompleted?: string[] | undefined;
  featuresCompleted?: string[] | undefined;
  elementsUpdated?: string[] | undefined;
}

export interface SessionChanges extends SessionLists {
  title?: string | null | undefined;
  goal?: string | null | undefined;
  notes?: string | null | undefined;
}

export interface EndSessionInput extends SessionLists {
  summary?: string | null | undefined;
  notes?: string | null | undefined;
}

export interface ActiveUser {
  id: string;
  name: string | null;
  email: string;
  avatarUrl: string | null;
}

/** A member starts a session on a project; it is theirs. */
export async function startSession(ctx: ServiceContext, input: StartSessionInput): Promise<SessionRow> {
  const project = await requireProjectWriter(ctx, input.projectId);
  const featureIds = unique(input.featureIds ?? []);
  return mutate(ctx, async (tx, record) => {
    const problems = await listProblems(tx, project.id, { featureIds });
    if (problems.length > 0) throw new RuleViolation(problems.join('; '));
    const [session] = await tx
      .insert(sessions)
      .values({
        projectId: project.id,
        userId: ctx.actor.id,
        title: input.title ?? null,
        goal: input.goal ?? null,
        featureIds,
        createdBy: ctx.actor.id,
        updatedBy: ctx.actor.id,
      })
      .returning();
    record.activity({ action: 'session.started', entityType: 'session', entityId: session!.id, teamId: project.teamId, projectId: project.id, after: session });
    record.event({ name: 'sessionStarted', teamId: project.teamId, projectId: project.id, payload: { projectId: project.id, userId: ctx.actor.id, sessionId: session!.id } });
    return session!;
  });
}

export async function getSession(ctx: ServiceContext, sessionId: string): Promise<SessionRow> {
  const session = await findSession(ctx.db, sessionId);
  await requireProjectAccess(ctx, session.projectId, 'read', 'Session');
  return session;
}

/** A project's sessions, newest start first, optionally one user's. */
export async function listProjectSessions(
  ctx: ServiceContext,
  projectId: string,
  filters: { userId?: string | undefined },
  page: PageRequest,
): Promise<Page<SessionRow>> {
  await requireProjectAccess(ctx, projectId, 'read');
  const where = and(eq(sessions.projectId, projectId), filters.userId ? eq(sessions.userId, filters.userId) : undefined);
  const [items, [totals]] = await Promise.all([
    ctx.db.select().from(sessions).where(where).orderBy(desc(sessions.startedAt), desc(sessions.id)).limit(page.pageSize).offset(page.offset),
    ctx.db.select({ total: count() }).from(sessions).where(where),
  ]);
  return { items, total: totals?.total ?? 0, page: page.page, pageSize: page.pageSize };
}

/** Members record progress on a session; the lists given replace the stored ones. */
export async function updateSession(ctx: ServiceContext, sessionId: string, changes: SessionChanges): Promise<SessionRow> {
  const current = await findSession(ctx.db, sessionId);
  const project = await requireProjectWriter(ctx, current.projectId, 'Session');
  return mutate(ctx, async (tx, record) => {
    await requireValidLists(tx, project.id, changes);
    const values: Partial<typeof sessions.$inferInsert> = { updatedBy: ctx.actor.id };
    if (changes.title !== undefined) values.title = changes.title;
    if (changes.goal !== undefined) values.goal = changes.goal;
    if (changes.notes !== undefined) values.notes = changes.notes;
    assignLists(values, changes);
    const [updated] = await tx.update(sessions).set(values).where(eq(sessions.id, sessionId)).returning();
    if (!updated) throw new NotFound('Session');
    record.activity({ action: 'session.updated', entityType: 'session', entityId: sessionId, teamId: project.teamId, projectId: project.id, before: current, after: updated });
    // Not an event of the old server's; it exists so caches of the resume context
    // (which shows sessions' completed work) are invalidated like for any other change.
    record.event({ name: 'sessionUpdated', teamId: project.teamId, projectId: project.id, payload: { sessionId, projectId: project.id, userId: ctx.actor.id } });
    return updated;
  });
}

/**
 * Ends an open session: records the final lists, the summary (generated when none
 * is given) and the end time, which also becomes the project's `last_session_at`.
 * Ending is allowed on an archived project: it closes work, it does not add any.
 */
export async function endSession(ctx: ServiceContext, sessionId: string, input: EndSessionInput): Promise<SessionRow> {
  const current = await findSession(ctx.db, sessionId);
  const project = await requireProjectAccess(ctx, current.projectId, 'write', 'Session');
  if (current.endedAt) throw new RuleViolation('Session is already ended');
  return mutate(ctx, async (tx, record) => {
    await requireValidLists(tx, project.id, input);
    const endedAt = new Date();
    const values: Partial<typeof sessions.$inferInsert> = { updatedBy: ctx.actor.id, endedAt };
    if (input.notes !== undefined) values.notes = input.notes;
    assignLists(values, input);
    // Nothing recorded: the session's own activity says which todos its user finished.
    if (values.todosCompleted === undefined && current.todosCompleted.length === 0) {
      const finished = await todosFinishedDuring(tx, current);
      if (finished.length > 0) values.todosCompleted = finished;
    }
    const summary = input.summary?.trim()
      ? input.summary
      : generateSessionSummary({
          goal: current.goal,
          todosCompleted: values.todosCompleted ?? current.todosCompleted,
          featuresCompleted: values.featuresCompleted ?? current.featuresCompleted,
          elementsUpdated: values.elementsUpdated ?? current.elementsUpdated,
        });
    // `ended_at is null` makes ending a compare-and-swap: of two racing ends, one wins.
    const [ended] = await tx
      .update(sessions)
      .set({ ...values, summary })
      .where(and(eq(sessions.id, sessionId), isNull(sessions.endedAt)))
      .returning();
    if (!ended) throw new RuleViolation('Session is already ended');
    await tx
      .update(projects)
      // A session ending is not an edit of the project: its updated_at stays.
      .set({ lastSessionAt: endedAt, updatedAt: sql`${projects.updatedAt}` })
      .where(eq(projects.id, project.id));
    record.activity({ action: 'session.ended', entityType: 'session', entityId: sessionId, teamId: project.teamId, projectId: project.id, before: current, after: ended });
    record.event({ name: 'sessionEnded', teamId: project.teamId, projectId: project.id, payload: { projectId: project.id, userId: ended.userId, sessionId } });
    return ended;
  });
}

/**
 * The todos of the session's project that its user moved to `done` since the session
 * started (from the activity log, written with every change), in the order they were
 * finished, and only those still done now.
 */
async function todosFinishedDuring(tx: DbOrTx, session: SessionRow): Promise<string[]> {
  if (!session.userId) return []; // its user was deleted: nobody's activity to read
  const rows = await tx
    .select({ id: activity.entityId, at: sql<Date>`min(${activity.at})` })
    .from(activity)
    .innerJoin(todos, eq(todos.id, activity.entityId))
    .where(
      and(
        eq(activity.projectId, session.projectId),
        eq(activity.entityType, 'todo'),
        eq(activity.actorId, session.userId),
        gte(activity.at, session.startedAt),
        sql`${activity.after}->>'status' = 'done'`,
        sql`coalesce(${activity.before}->>'status', '') <> 'done'`,
        eq(todos.status, 'done'),
      ),
    )
    .groupBy(activity.entityId)
    .orderBy(sql`min(${activity.at})`, activity.entityId)
    .limit(500);
  return rows.map((row) => row.id);
}

/** The distinct users with an open session on the project (there is no timeout). */
export async function listActiveUsers(ctx: ServiceContext, projectId: string): Promise<ActiveUser[]> {
  await requireProjectAccess(ctx, projectId, 'read');
  return ctx.db
    .selectDistinct({ id: users.id, name: users.name, email: users.email, avatarUrl: users.avatarUrl })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.projectId, projectId), isNull(sessions.endedAt)))
    .orderBy(asc(users.name), asc(users.email), asc(users.id));
}

async function findSession(db: DbOrTx, sessionId: string): Promise<SessionRow> {
  const [session] = await db.select().from(sessions).where(eq(sessions.id, sessionId)).limit(1);
  if (!session) throw new NotFound('Session');
  return session;
}

function assignLists(values: Partial<typeof sessions.$inferInsert>, lists: SessionLists): void {
  if (lists.todosCompleted !== undefined) values.todosCompleted = unique(lists.todosCompleted);
  if (lists.featuresCompleted !== undefined) values.featuresCompleted = unique(lists.featuresCompleted);
  if (lists.elementsUpdated !== undefined) values.elementsUpdated = unique(lists.elementsUpdated);
}

async function requireValidLists(db: DbOrTx, projectId: string, lists: SessionLists): Promise<void> {
  const problems = await listProblems(db, projectId, {
    todosCompleted: lists.todosCompleted,
    featuresCompleted: lists.featuresCompleted,
    elementsUpdated: lists.elementsUpdated,
  });
  if (problems.length > 0) throw new RuleViolation(problems.join('; '));
}

/**
 * Checks every id list against the project: completed todos must be done,
 * completed features done, tested or merged; the others only need to exist there.
 */
async function listProblems(
  db: DbOrTx,
  projectId: string,
  lists: SessionLists & { featureIds?: string[] | undefined },
): Promise<string[]> {
  const problems: string[] = [];
  if (lists.featureIds?.length) {
    const found = await db.select({ id: features.id, status: features.status }).from(features).where(and(eq(features.projectId, projectId), inArray(features.id, lists.featureIds)));
    problems.push(...sessionListProblems('feature_ids', lists.featureIds, found));
  }
  if (lists.todosCompleted?.length) {
    const found = await db.select({ id: todos.id, status: todos.status }).from(todos).where(and(eq(todos.projectId, projectId), inArray(todos.id, lists.todosCompleted)));
    problems.push(...sessionListProblems('todos_completed', lists.todosCompleted, found, ['done']));
  }
  if (lists.featuresCompleted?.length) {
    const found = await db.select({ id: features.id, status: features.status }).from(features).where(and(eq(features.projectId, projectId), inArray(features.id, lists.featuresCompleted)));
    problems.push(...sessionListProblems('features_completed', lists.featuresCompleted, found, COMPLETED_FEATURE_STATUSES));
  }
  if (lists.elementsUpdated?.length) {
    const found = await db
      .select({ id: projectElements.id, status: projectElements.status })
      .from(projectElements)
      .where(and(eq(projectElements.projectId, projectId), inArray(projectElements.id, lists.elementsUpdated)));
    problems.push(...sessionListProblems('elements_updated', lists.elementsUpdated, found));
  }
  return problems;
}
