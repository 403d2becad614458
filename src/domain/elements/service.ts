import { and, asc, count, eq, isNotNull, or, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../../db/client.js';
import type { ELEMENT_TYPES } from '../enums.js';
import { documents, elementDependencies, featureElements, projectElements, todos } from '../../db/schema.js';
import { type ProjectRow, requireProjectAccess, requireProjectWriter } from '../access.js';
import type { ServiceContext } from '../context.js';
import { NotFound, RuleViolation } from '../errors.js';
import { refreshFeatureProgress } from '../features/service.js';
import { type MutationRecorder, mutate } from '../mutation.js';
import { lockProjectWork } from '../projects/lock.js';
import { rollUpElementStatus } from './rollup.js';
import { type ElementStatus, PARENT_CYCLE, PARENT_NOT_IN_PROJECT } from './rules.js';
import { isSelfOrDescendant, lockElementStructure, subtreeIds } from './structure.js';

/**
 * The element tree of a project: create, read, change, move and delete elements.
 * Members may do all of it (DECISIONS.md "Access control"); an element the caller
 * cannot see is "Element not found", exactly like one that does not exist.
 */

export type ElementRow = typeof projectElements.$inferSelect;
export type ElementType = (typeof ELEMENT_TYPES)[number];
export type { ElementStatus };

export interface ElementInput {
  projectId: string;
  parentId?: string | null | undefined;
  type: ElementType;
  title: string;
  description?: string | null | undefined;
  status?: ElementStatus | undefined;
  position?: number | null | undefined;
  definitionOfDone?: string | null | undefined;
}

/** `undefined` leaves a field as it is; `null` clears it (`parentId: null` makes a root). */
export type ElementChanges = Partial<Omit<ElementInput, 'projectId' | 'type'>> & { type?: ElementType | undefined };

export interface ElementTodoSummary {
  id: string;
  title: string;
  status: string;
  featureId: string | null;
}

export interface ElementDependencySummary {
  id: string;
  dependsOnElementId: string;
  dependencyType: string;
}

export interface ElementDetail {
  element: ElementRow;
  todos: ElementTodoSummary[];
  dependencies: ElementDependencySummary[];
}

export interface ElementDeletePreview {
  elementId: string;
  elementsDeleted: { id: string; title: string }[];
  todosDeleted: number;
  documentsUnlinked: number;
  featureLinksRemoved: number;
  dependenciesRemoved: number;
}

/**
 * The element with its project, if the caller may read it (`read`) or change it
 * (`write`: also refused while the project is archived).
 */
export async function loadElement(
  ctx: ServiceContext,
  elementId: string,
  level: 'read' | 'write',
): Promise<{ element: ElementRow; project: ProjectRow }> {
  const [element] = await ctx.db.select().from(projectElements).where(eq(projectElements.id, elementId)).limit(1);
  if (!element) throw new NotFound('Element');
  const project =
    level === 'read'
      ? await requireProjectAccess(ctx, element.projectId, 'read', 'Element')
      : await requireProjectWriter(ctx, element.projectId, 'Element');
  return { element, project };
}

export async function createElement(ctx: ServiceContext, input: ElementInput): Promise<ElementRow> {
  const project = await requireProjectWriter(ctx, input.projectId);
  return mutate(ctx, async (tx, record) => {
    await lockProjectWork(tx, project.id);
    if (input.parentId) await requireParentInProject(tx, input.parentId, project.id);
    const [element] = await tx
      .insert(projectElements)
      .values({
        projectId: project.id,
        parentId: input.parentId ?? null,
        type: input.type,
        title: input.title,
        description: input.description ?? null,
        status: input.status ?? 'new',
        position: input.position ?? null,
        definitionOfDone: input.definitionOfDone ?? null,
        createdBy: ctx.actor.id,
        updatedBy: ctx.actor.id,
      })
      .returning();
    record.activity({ action: 'element.created', entityType: 'element', entityId: element!.id, teamId: project.teamId, projectId: project.id, after: element });
    record.event(elementEvent(project, 'element_created', element!.id));
    // A new child is new content of its parent: the parent's status follows.
    await rollUpParents(tx, record, project, [element!.parentId]);
    return element!;
  });
}

export async function getElement(ctx: ServiceContext, elementId: string): Promise<ElementDetail> {
  const { element } = await loadElement(ctx, elementId, 'read');
  const [elementTodos, dependencies] = await Promise.all([
    ctx.db
      .select({ id: todos.id, title: todos.title, status: todos.status, featureId: todos.featureId })
      .from(todos)
      .where(eq(todos.elementId, elementId))
      .orderBy(sql`${todos.position} asc nulls last`, asc(todos.createdAt), asc(todos.id)),
    ctx.db
      .select({
        id: elementDependencies.id,
        dependsOnElementId: elementDependencies.dependsOnElementId,
        dependencyType: elementDependencies.dependencyType,
      })
      .from(elementDependencies)
      .where(eq(elementDependencies.elementId, elementId))
      .orderBy(asc(elementDependencies.createdAt), asc(elementDependencies.id)),
  ]);
  return { element, todos: elementTodos, dependencies };
}

/**
 * Partial update. Moving (`parentId`) keeps the element in its project and refuses a
 * parent that is the element itself or lies below it. A manual status is kept as
 * given (the roll-up may override it when the element's contents change later), and
 * the old and new parents' statuses are rolled up again.
 */
export async function updateElement(ctx: ServiceContext, elementId: string, changes: ElementChanges): Promise<ElementRow> {
  const { project } = await loadElement(ctx, elementId, 'write');
  return mutate(ctx, async (tx, record) => {
    await lockProjectWork(tx, project.id);
    const moving = changes.parentId !== undefined;
    if (moving) await lockElementStructure(tx, project.id);
    const [before] = await tx.select().from(projectElements).where(eq(projectElements.id, elementId)).for('update');
    if (!before) throw new NotFound('Element');
    if (moving && changes.parentId && changes.parentId !== before.parentId) {
      await requireParentInProject(tx, changes.parentId, project.id);
      if (await isSelfOrDescendant(tx, elementId, changes.parentId)) throw new RuleViolation(PARENT_CYCLE);
    }

    const values: Partial<typeof projectElements.$inferInsert> = { updatedBy: ctx.actor.id };
    if (changes.parentId !== undefined) values.parentId = changes.parentId;
    if (changes.type !== undefined) values.type = changes.type;
    if (changes.title !== undefined) values.title = changes.title;
    if (changes.description !== undefined) values.description = changes.description;
    if (changes.status !== undefined) values.status = changes.status;
    if (changes.position !== undefined) values.position = changes.position;
    if (changes.definitionOfDone !== undefined) values.definitionOfDone = changes.definitionOfDone;
    const [updated] = await tx.update(projectElements).set(values).where(eq(projectElements.id, elementId)).returning();

    const fields = Object.keys(values).filter((key) => key !== 'updatedBy');
    record.activity({ action: 'element.updated', entityType: 'element', entityId: elementId, teamId: project.teamId, projectId: project.id, before, after: updated });
    record.event(elementEvent(project, 'element_updated', elementId, { fields }));
    if (before.parentId !== updated!.parentId || before.status !== updated!.status) {
      await rollUpParents(tx, record, project, [before.parentId, updated!.parentId]);
    }
    return updated!;
  });
}

/** What deleting the element would remove: its subtree, their todos, links and dependencies. */
export async function previewElementDelete(ctx: ServiceContext, elementId: string): Promise<ElementDeletePreview> {
  await loadElement(ctx, elementId, 'read');
  return measureSubtree(ctx.db, elementId);
}

/**
 * Deletes the element with its whole subtree; the foreign keys take their todos,
 * dependencies and feature links along and unlink their documents. The parent's
 * status is rolled up from what is left.
 */
export async function deleteElement(ctx: ServiceContext, elementId: string): Promise<ElementDeletePreview> {
  const { project } = await loadElement(ctx, elementId, 'write');
  return mutate(ctx, async (tx, record) => {
    await lockProjectWork(tx, project.id);
    await lockElementStructure(tx, project.id);
    const [before] = await tx.select().from(projectElements).where(eq(projectElements.id, elementId)).for('update');
    if (!before) throw new NotFound('Element');
    const removed = await measureSubtree(tx, elementId);
    // Features lose the todos that go with the subtree: their progress is recounted after.
    const touchedFeatures = await tx
      .selectDistinct({ id: todos.featureId })
      .from(todos)
      .where(and(sql`${todos.elementId} in ${subtreeIds(elementId)}`, isNotNull(todos.featureId)));
    await tx.delete(projectElements).where(eq(projectElements.id, elementId));
    record.activity({
      action: 'element.deleted',
      entityType: 'element',
      entityId: elementId,
      teamId: project.teamId,
      projectId: project.id,
      before: { element: before, removed },
    });
    record.event(elementEvent(project, 'element_deleted', elementId));
    await rollUpParents(tx, record, project, [before.parentId]);
    for (const feature of touchedFeatures) await refreshFeatureProgress(tx, record, feature.id!, project.teamId);
    return removed;
  });
}

async function measureSubtree(db: DbOrTx, elementId: string): Promise<ElementDeletePreview> {
  const inSubtree = (column: AnyPgColumn) => sql`${column} in ${subtreeIds(elementId)}`;
  const [elements, [todoCount], [documentCount], [linkCount], [dependencyCount]] = await Promise.all([
    db
      .select({ id: projectElements.id, title: projectElements.title })
      .from(projectElements)
      .where(inSubtree(projectElements.id))
      .orderBy(asc(projectElements.createdAt), asc(projectElements.id)),
    db.select({ n: count() }).from(todos).where(inSubtree(todos.elementId)),
    db.select({ n: count() }).from(documents).where(inSubtree(documents.elementId)),
    db.select({ n: count() }).from(featureElements).where(inSubtree(featureElements.elementId)),
    db
      .select({ n: count() })
      .from(elementDependencies)
      .where(or(inSubtree(elementDependencies.elementId), inSubtree(elementDependencies.dependsOnElementId))),
  ]);
  return {
    elementId,
    elementsDeleted: elements,
    todosDeleted: todoCount?.n ?? 0,
    documentsUnlinked: documentCount?.n ?? 0,
    featureLinksRemoved: linkCount?.n ?? 0,
    dependenciesRemoved: dependencyCount?.n ?? 0,
  };
}

/**
 * Rolls the given parents' statuses up again (each up to its root) and tells the
 * board which elements changed, like a todo change does.
 */
async function rollUpParents(tx: DbOrTx, record: MutationRecorder, project: ProjectRow, parentIds: (string | null)[]): Promise<void> {
  const changed = new Set<string>();
  for (const parentId of new Set(parentIds)) {
    if (parentId) for (const id of await rollUpElementStatus(tx, parentId)) changed.add(id);
  }
  if (changed.size === 0) return;
  record.event({
    name: 'projectUpdated',
    teamId: project.teamId,
    projectId: project.id,
    payload: { projectId: project.id, changes: { action: 'element_status_rolled_up', element_ids: [...changed] } },
  });
}

/** The parent exists in the same project; kept from being deleted until this transaction ends. */
async function requireParentInProject(tx: DbOrTx, parentId: string, projectId: string): Promise<void> {
  const [parent] = await tx
    .select({ id: projectElements.id })
    .from(projectElements)
    .where(and(eq(projectElements.id, parentId), eq(projectElements.projectId, projectId)))
    .for('key share');
  if (!parent) throw new RuleViolation(PARENT_NOT_IN_PROJECT);
}

export type ElementAction = 'element_created' | 'element_updated' | 'element_deleted' | 'dependency_added' | 'dependency_removed';

/** The `projectUpdated` event every element and dependency change sends (reference §4). */
export function elementEvent(project: ProjectRow, action: ElementAction, elementId: string, extra: Record<string, unknown> = {}) {
  return {
    name: 'projectUpdated' as const,
    teamId: project.teamId,
    projectId: project.id,
    payload: { projectId: project.id, changes: { action, element_id: elementId, ...extra } },
  };
}
