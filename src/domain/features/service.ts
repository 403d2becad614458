import { and, asc, count, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { documents, featureElements, features, githubBranches, projectElements, todos } from '../../db/schema.js';
import { requireProjectAccess, requireProjectWriter } from '../access.js';
import type { ServiceContext } from '../context.js';
import { Conflict, NotFound } from '../errors.js';
import { mutate } from '../mutation.js';
import { lockProjectWork } from '../projects/lock.js';
import type { Page, PageRequest } from '../pagination.js';
import { TODO_ORDER, type ElementRow, type TodoRow } from '../todos/queries.js';
import { announceFeature, refreshFeatureProgress, tallyTodos } from './progress.js';
import { requireAssignableUser, requireProjectElements } from './references.js';
import { type FeatureSort, type FeatureStatus, checkFeatureTransition } from './rules.js';

/** For the other aggregates whose changes move a feature's todos (element deletion). */
export { refreshFeatureProgress } from './progress.js';

export type FeatureRow = typeof features.$inferSelect;

export interface FeatureInput {
  projectId: string;
  name: string;
  description?: string | null | undefined;
  status?: FeatureStatus | undefined;
  assignedTo?: string | null | undefined;
  elementIds?: string[] | undefined;
}

export interface FeatureChanges {
  name?: string | undefined;
  description?: string | null | undefined;
  status?: FeatureStatus | undefined;
  assignedTo?: string | null | undefined;
}

export interface DeletePreview {
  featureId: string;
  todosUnlinked: { id: string; title: string }[];
  elementLinksRemoved: number;
  documentsUnlinked: number;
  branchesUnlinked: number;
}

/** The feature, if the caller may do `level` to its project; 404 "Feature not found" otherwise. */
async function requireFeature(ctx: ServiceContext, featureId: string, level: 'read' | 'write'): Promise<{ feature: FeatureRow; teamId: string }> {
  const [feature] = await ctx.db.select().from(features).where(eq(features.id, featureId)).limit(1);
  if (!feature) throw new NotFound('Feature');
  const project =
    level === 'write' ? await requireProjectWriter(ctx, feature.projectId, 'Feature') : await requireProjectAccess(ctx, feature.projectId, 'read', 'Feature');
  return { feature, teamId: project.teamId };
}

function withoutSearch<T extends { searchVector?: unknown }>(row: T): Omit<T, 'searchVector'> {
  const { searchVector: _ignored, ...rest } = row;
  return rest;
}

export async function createFeature(ctx: ServiceContext, input: FeatureInput): Promise<FeatureRow> {
  const project = await requireProjectWriter(ctx, input.projectId);
  if (input.assignedTo) await requireAssignableUser(ctx, project.teamId, input.assignedTo);
  await requireProjectElements(ctx, project.id, input.elementIds ?? []);
  // A new feature has no todos, so it cannot start out tested or merged.
  checkFeatureTransition(undefined, input.status ?? 'new', { total: 0, done: 0, inProgress: 0 });
  return mutate(ctx, async (tx, record) => {
    const [feature] = await tx
      .insert(features)
      .values({
        projectId: project.id,
        name: input.name,
        description: input.description ?? null,
        status: input.status ?? 'new',
        assignedTo: input.assignedTo ?? null,
        createdBy: ctx.actor.id,
        updatedBy: ctx.actor.id,
      })
      .returning();
    const elementIds = [...new Set(input.elementIds ?? [])];
    if (elementIds.length > 0) {
      await tx.insert(featureElements).values(elementIds.map((elementId) => ({ featureId: feature!.id, elementId })));
    }
    record.activity({ action: 'feature.created', entityType: 'feature', entityId: feature!.id, teamId: project.teamId, projectId: project.id, after: withoutSearch(feature!) });
    announceFeature(record, feature!, project.teamId);
    return feature!;
  });
}

export async function getFeature(ctx: ServiceContext, featureId: string): Promise<FeatureRow> {
  return (await requireFeature(ctx, featureId, 'read')).feature;
}

const SORTS: Record<FeatureSort, SQL[]> = {
  updated_at_desc: [desc(features.updatedAt), desc(features.id)],
  updated_at_asc: [asc(features.updatedAt), asc(features.id)],
  created_at_desc: [desc(features.createdAt), desc(features.id)],
  created_at_asc: [asc(features.createdAt), asc(features.id)],
  name_asc: [asc(features.name), asc(features.id)],
  name_desc: [desc(features.name), desc(features.id)],
};

export async function listProjectFeatures(
  ctx: ServiceContext,
  projectId: string,
  filters: { status?: FeatureStatus | undefined; sort: FeatureSort },
  page: PageRequest,
): Promise<Page<FeatureRow>> {
  await requireProjectAccess(ctx, projectId, 'read');
  const where = and(eq(features.projectId, projectId), filters.status ? eq(features.status, filters.status) : undefined);
  const [items, [totals]] = await Promise.all([
    ctx.db.select().from(features).where(where).orderBy(...SORTS[filters.sort]).limit(page.pageSize).offset(page.offset),
    ctx.db.select({ total: count() }).from(features).where(where),
  ]);
  return { items, total: totals?.total ?? 0, page: page.page, pageSize: page.pageSize };
}

/**
 * Edits a feature. A status change passes the workflow rule first (tested/merged
 * need every todo done); the counters are the todos' business, not the caller's.
 */
export async function updateFeature(ctx: ServiceContext, featureId: string, changes: FeatureChanges): Promise<FeatureRow> {
  const { feature: current, teamId } = await requireFeature(ctx, featureId, 'write');
  if (changes.assignedTo) await requireAssignableUser(ctx, teamId, changes.assignedTo);
  return mutate(ctx, async (tx, record) => {
    await lockProjectWork(tx, current.projectId);
    const [locked] = await tx.select().from(features).where(eq(features.id, featureId)).for('update');
    if (!locked) throw new NotFound('Feature');
    if (changes.status !== undefined && changes.status !== locked.status) {
      checkFeatureTransition(locked.status as FeatureStatus, changes.status, await tallyTodos(tx, featureId));
    }
    const values: Partial<typeof features.$inferInsert> = { updatedBy: ctx.actor.id };
    if (changes.name !== undefined) values.name = changes.name;
    if (changes.description !== undefined) values.description = changes.description;
    if (changes.status !== undefined) values.status = changes.status;
    if (changes.assignedTo !== undefined) values.assignedTo = changes.assignedTo;
    const [updated] = await tx.update(features).set(values).where(eq(features.id, featureId)).returning();
    record.activity({
      action: 'feature.updated',
      entityType: 'feature',
      entityId: featureId,
      teamId,
      projectId: current.projectId,
      before: withoutSearch(locked),
      after: withoutSearch(updated!),
    });
    announceFeature(record, updated!, teamId);
    return updated!;
  });
}

/** What deleting the feature would do: its todos and documents stay, unlinked. */
export async function previewFeatureDelete(ctx: ServiceContext, featureId: string): Promise<DeletePreview> {
  await requireFeature(ctx, featureId, 'read');
  return collectDeletePreview(ctx.db, featureId);
}

async function collectDeletePreview(db: DbOrTx, featureId: string): Promise<DeletePreview> {
  const [todoRows, [links], [docs], [branches]] = await Promise.all([
    db.select({ id: todos.id, title: todos.title }).from(todos).where(eq(todos.featureId, featureId)).orderBy(asc(todos.createdAt), asc(todos.id)),
    db.select({ n: count() }).from(featureElements).where(eq(featureElements.featureId, featureId)),
    db.select({ n: count() }).from(documents).where(eq(documents.featureId, featureId)),
    db.select({ n: count() }).from(githubBranches).where(eq(githubBranches.featureId, featureId)),
  ]);
  return {
    featureId,
    todosUnlinked: todoRows,
    elementLinksRemoved: links?.n ?? 0,
    documentsUnlinked: docs?.n ?? 0,
    branchesUnlinked: branches?.n ?? 0,
  };
}

/**
 * Deletes a feature and unlinks what pointed at it, as the foreign keys say: its
 * todos lose their `feature_id` (with a version bump and a `todoUpdated` each, since
 * they changed) but are kept.
 */
export async function deleteFeature(ctx: ServiceContext, featureId: string): Promise<DeletePreview> {
  const { feature, teamId } = await requireFeature(ctx, featureId, 'write');
  return mutate(ctx, async (tx, record) => {
    await lockProjectWork(tx, feature.projectId);
    const preview = await collectDeletePreview(tx, featureId);
    const unlinked = await tx
      .update(todos)
      .set({ featureId: null, version: sql`${todos.version} + 1`, updatedBy: ctx.actor.id })
      .where(eq(todos.featureId, featureId))
      .returning({ id: todos.id, version: todos.version });
    for (const todo of unlinked) {
      record.event({
        name: 'todoUpdated',
        teamId,
        projectId: feature.projectId,
        version: todo.version,
        payload: { todoId: todo.id, projectId: feature.projectId, userId: ctx.actor.id, changes: { feature_id: null } },
      });
    }
    await tx.delete(features).where(eq(features.id, featureId));
    record.activity({
      action: 'feature.deleted',
      entityType: 'feature',
      entityId: featureId,
      teamId,
      projectId: feature.projectId,
      before: withoutSearch(feature),
      after: { todos_unlinked: preview.todosUnlinked.map((todo) => todo.id) },
    });
    announceFeature(record, feature, teamId, 'deleted');
    return preview;
  });
}

export async function listFeatureTodos(
  ctx: ServiceContext,
  featureId: string,
  filters: { status?: string | undefined },
  page: PageRequest,
): Promise<Page<TodoRow>> {
  await requireFeature(ctx, featureId, 'read');
  const where = and(eq(todos.featureId, featureId), filters.status ? eq(todos.status, filters.status) : undefined);
  const [items, [totals]] = await Promise.all([
    ctx.db.select().from(todos).where(where).orderBy(...TODO_ORDER).limit(page.pageSize).offset(page.offset),
    ctx.db.select({ total: count() }).from(todos).where(where),
  ]);
  return { items, total: totals?.total ?? 0, page: page.page, pageSize: page.pageSize };
}

export async function listFeatureElements(ctx: ServiceContext, featureId: string, page: PageRequest): Promise<Page<ElementRow>> {
  await requireFeature(ctx, featureId, 'read');
  const where = eq(featureElements.featureId, featureId);
  const [rows, [totals]] = await Promise.all([
    ctx.db
      .select({ element: projectElements })
      .from(featureElements)
      .innerJoin(projectElements, eq(projectElements.id, featureElements.elementId))
      .where(where)
      .orderBy(asc(projectElements.position), asc(projectElements.createdAt), asc(projectElements.id))
      .limit(page.pageSize)
      .offset(page.offset),
    ctx.db.select({ total: count() }).from(featureElements).where(where),
  ]);
  return { items: rows.map((row) => row.element), total: totals?.total ?? 0, page: page.page, pageSize: page.pageSize };
}

/** Links an element of the same project; a second link is a 409. */
export async function linkFeatureElement(ctx: ServiceContext, featureId: string, elementId: string): Promise<void> {
  const { feature, teamId } = await requireFeature(ctx, featureId, 'write');
  await requireProjectElements(ctx, feature.projectId, [elementId]);
  await mutate(ctx, async (tx, record) => {
    const inserted = await tx.insert(featureElements).values({ featureId, elementId }).onConflictDoNothing().returning({ id: featureElements.id });
    if (inserted.length === 0) throw new Conflict('Element is already linked to this feature');
    record.activity({ action: 'feature.element_linked', entityType: 'feature', entityId: featureId, teamId, projectId: feature.projectId, after: { element_id: elementId } });
    announceFeature(record, feature, teamId);
  });
}

/** Recounts the feature's todos (fixing any drift) and answers the numbers. */
export async function calculateFeatureProgress(ctx: ServiceContext, featureId: string): Promise<{ total: number; completed: number; percentage: number }> {
  const { feature: current, teamId } = await requireFeature(ctx, featureId, 'read');
  const feature = await mutate(ctx, async (tx, record) => {
    await lockProjectWork(tx, current.projectId);
    return refreshFeatureProgress(tx, record, featureId, teamId);
  });
  if (!feature) throw new NotFound('Feature');
  return { total: feature.totalTodos, completed: feature.completedTodos, percentage: feature.progressPercentage };
}
