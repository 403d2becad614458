import { SQL, and, eq, inArray, ne, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.js';
import type { PendingEvent } from '../../events/types.js';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { features, projectElements, todos } from '../../db/schema.js';
import { requireProjectAccess, requireProjectWriter, type ProjectRow } from '../access.js';
import type { ServiceContext } from '../context.js';
import { rollUpElementStatus } from '../elements/rollup.js';
import { Conflict, NotFound, RuleViolation, sqlState } from '../errors.js';
import { refreshFeatureProgress } from '../features/progress.js';
import { requireAssignableUser, requireProjectElements, requireProjectFeature } from '../features/references.js';
import { type MutationRecorder, mutate, publishCommitted } from '../mutation.js';
import { lockProjectWork } from '../projects/lock.js';
import { ensureDefaultElement } from '../projects/service.js';
import { claimAfterChange, describeUser } from './claims.js';
import type { TodoSet } from './statements.js';
import { ANNOUNCED, CHANGEABLE, type TodoRow, requireTodo, todoColumns } from './queries.js';
import { type TodoPriority, type TodoStatus, changedFields, checkTodoTransition, completedAtAfter, createsDependencyCycle } from './rules.js';

/** Fields a client may set; `undefined` leaves a field alone, `null` clears it. */
export interface TodoFields {
  title?: string | undefined;
  description?: string | null | undefined;
  status?: TodoStatus | undefined;
  position?: number | null | undefined;
  priority?: TodoPriority | null | undefined;
  blockerReason?: string | null | undefined;
  blockedBy?: string[] | undefined;
  assignedTo?: string | null | undefined;
  featureId?: string | null | undefined;
  githubIssueNumber?: number | null | undefined;
  githubPrNumber?: number | null | undefined;
  githubPrUrl?: string | null | undefined;
}

export interface TodoInput extends TodoFields {
  title: string;
  elementId?: string | undefined;
  projectId?: string | undefined;
}

export interface TodoChanges extends TodoFields {
  elementId?: string | undefined;
}

/**
 * Todo ids a todo of `projectId` may wait for: unknown or invisible ones answer 404
 * (no existence leak), visible ones of another project 400.
 */
async function requireProjectTodos(ctx: ServiceContext, projectId: string, ids: readonly string[]): Promise<void> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return;
  const rows = await ctx.db.select({ id: todos.id, projectId: todos.projectId }).from(todos).where(inArray(todos.id, unique));
  for (const id of unique) {
    const row = rows.find((candidate) => candidate.id === id);
    if (!row) throw new NotFound('Blocking todo');
    if (row.projectId !== projectId) {
      await requireProjectAccess(ctx, row.projectId, 'read', 'Blocking todo');
      throw new RuleViolation(`blocked_by: todo ${id} belongs to another project`);
    }
  }
}

/** Checks every id a change names against the todo's project, before any transaction. */
async function checkReferences(ctx: ServiceContext, project: ProjectRow, fields: TodoChanges, todoId?: string): Promise<void> {
  if (fields.assignedTo) await requireAssignableUser(ctx, project.teamId, fields.assignedTo);
  if (fields.featureId) await requireProjectFeature(ctx, project.id, fields.featureId);
  if (fields.elementId) await requireProjectElements(ctx, project.id, [fields.elementId]);
  if (fields.blockedBy) {
    if (todoId && fields.blockedBy.includes(todoId)) throw new RuleViolation('A todo cannot be blocked by itself');
    await requireProjectTodos(ctx, project.id, fields.blockedBy);
  }
}

/** Where a new todo goes: its element's project, the given project, or its feature's. */
async function resolveProject(ctx: ServiceContext, input: TodoInput): Promise<ProjectRow> {
  if (input.elementId) {
    const [element] = await ctx.db
      .select({ projectId: projectElements.projectId })
      .from(projectElements)
      .where(eq(projectElements.id, input.elementId))
      .limit(1);
    if (!element) throw new NotFound('Element');
    const project = await requireProjectWriter(ctx, element.projectId, 'Element');
    if (input.projectId && input.projectId !== project.id) throw new RuleViolation('The element belongs to another project');
    return project;
  }
  if (input.projectId) return requireProjectWriter(ctx, input.projectId);
  if (input.featureId) {
    const [feature] = await ctx.db.select({ projectId: features.projectId }).from(features).where(eq(features.id, input.featureId)).limit(1);
    if (!feature) throw new NotFound('Feature');
    return requireProjectWriter(ctx, feature.projectId, 'Feature');
  }
  throw new RuleViolation('A todo needs an element_id, a project_id or a feature_id');
}

/**
 * The derived values a todo change moves, in its transaction: the element status
 * roll-up (old and new element) and the progress of the old and the new feature.
 */
async function refreshDerived(tx: Tx, record: MutationRecorder, project: ProjectRow, before: TodoRow | undefined, after: TodoRow | undefined): Promise<void> {
  const elementIds = new Set([before?.elementId, after?.elementId].filter((id): id is string => Boolean(id)));
  const rolled: string[] = [];
  for (const elementId of elementIds) rolled.push(...(await rollUpElementStatus(tx, elementId)));
  if (rolled.length > 0) {
    record.event({
      name: 'projectUpdated',
      teamId: project.teamId,
      projectId: project.id,
      payload: { projectId: project.id, changes: { action: 'element_status_rolled_up', element_ids: [...new Set(rolled)] } },
    });
  }
  const featureIds = new Set([before?.featureId, after?.featureId].filter((id): id is string => Boolean(id)));
  for (const featureId of featureIds) await refreshFeatureProgress(tx, record, featureId, project.teamId);
}

/** Refuses a `blocked_by` that would make the todos of a project wait for each other in a loop. */
async function checkNoCycle(tx: Tx, projectId: string, todoId: string, blockedBy: readonly string[]): Promise<void> {
  // The caller holds the project's work lock, so two changes cannot close a loop together.
  const rows = await tx
    .select({ id: todos.id, blockedBy: todos.blockedBy })
    .from(todos)
    .where(and(eq(todos.projectId, projectId), ne(todos.id, todoId), sql`cardinality(${todos.blockedBy}) > 0`));
  const edges = new Map(rows.map((row) => [row.id, row.blockedBy]));
  if (createsDependencyCycle(todoId, blockedBy, edges)) {
    throw new RuleViolation('blocked_by would create a dependency cycle: a todo cannot (even indirectly) wait for itself');
  }
}

function todoUpdatedEvent(ctx: ServiceContext, project: ProjectRow, todo: { id: string; version: number }, changes: Record<string, unknown>): PendingEvent {
  return {
    name: 'todoUpdated',
    teamId: project.teamId,
    projectId: project.id,
    version: todo.version,
    payload: { todoId: todo.id, projectId: project.id, userId: ctx.actor.id, changes },
  };
}

function announceTodo(record: MutationRecorder, ctx: ServiceContext, project: ProjectRow, todo: { id: string; version: number }, changes: Record<string, unknown>): void {
  record.event(todoUpdatedEvent(ctx, project, todo, changes));
}

export async function createTodo(ctx: ServiceContext, input: TodoInput): Promise<TodoRow> {
  const project = await resolveProject(ctx, input);
  await checkReferences(ctx, project, input);
  const status = input.status ?? 'new';
  return mutate(ctx, async (tx, record) => {
    await lockProjectWork(tx, project.id);
    const elementId = input.elementId ?? (await ensureDefaultElement(tx, project.id, ctx.actor.id));
    const [todo] = await tx
      .insert(todos)
      .values({
        projectId: project.id,
        elementId,
        featureId: input.featureId ?? null,
        title: input.title,
        description: input.description ?? null,
        status,
        position: input.position ?? null,
        priority: input.priority === undefined ? 'medium' : input.priority,
        blockerReason: input.blockerReason ?? null,
        blockedBy: [...new Set(input.blockedBy ?? [])],
        assignedTo: input.assignedTo ?? null,
        githubIssueNumber: input.githubIssueNumber ?? null,
        githubPrNumber: input.githubPrNumber ?? null,
        githubPrUrl: input.githubPrUrl ?? null,
        completedAt: completedAtAfter(undefined, status, null, new Date()),
        createdBy: ctx.actor.id,
        updatedBy: ctx.actor.id,
      })
      .returning(todoColumns);
    await refreshDerived(tx, record, project, undefined, todo);
    record.activity({ action: 'todo.created', entityType: 'todo', entityId: todo!.id, teamId: project.teamId, projectId: project.id, after: todo! });
    announceTodo(record, ctx, project, todo!, { action: 'created' });
    return todo!;
  });
}

/**
 * The 409 for a stale `expected_version`: which version is current and who made it
 * when, so a caller can tell another user's change from their own earlier one (a
 * claim, say) and knows what to refresh.
 */
async function staleVersion(ctx: ServiceContext, db: DbOrTx, current: TodoRow, expected: number): Promise<Conflict> {
  const by = current.updatedBy === ctx.actor.id ? 'you' : await describeUser(db, current.updatedBy);
  return new Conflict(
    `Todo is at version ${current.version}, not ${expected}: last changed by ${by} at ${current.updatedAt.toISOString()}. Refresh and try again.`,
    { current_version: current.version, updated_by: current.updatedBy, updated_at: current.updatedAt },
  );
}

function namesReferences(changes: TodoChanges): boolean {
  return Boolean(changes.assignedTo || changes.featureId || changes.elementId || changes.blockedBy);
}

/** What a change of `current` would do, decided on the row as read. */
interface TodoChangePlan {
  project: ProjectRow;
  /** The columns it sets (the version's increment aside). */
  values: PgUpdateSetSource<typeof todos>;
  /** Status, feature or element moving: feature progress and the element roll-up move too. */
  movesDerived: boolean;
  /** A plain change (see TodoStatements.swap): no derived value, no dependency, no value the database computes. */
  plain: boolean;
}

/**
 * The checks and values of a change, in the same order for both ways of writing it:
 * write access, the caller's `expected_version`, the workflow, the claim.
 */
async function planChange(ctx: ServiceContext, db: DbOrTx, current: TodoRow, changes: TodoChanges, expectedVersion: number | undefined): Promise<TodoChangePlan> {
  const project = await requireProjectWriter(ctx, current.projectId, 'Todo', db);
  if (expectedVersion !== undefined && current.version !== expectedVersion) throw await staleVersion(ctx, db, current, expectedVersion);
  if (changes.status !== undefined) checkTodoTransition(current.status as TodoStatus, changes.status);
  const claim = await claimAfterChange(db, ctx, project, current, changes);

  const values: PgUpdateSetSource<typeof todos> = { updatedBy: ctx.actor.id, updatedAt: new Date() };
  for (const field of CHANGEABLE) {
    if (field === 'completedAt' || changes[field] === undefined) continue;
    (values as Record<string, unknown>)[field] = changes[field];
  }
  if (changes.blockedBy) values.blockedBy = [...new Set(changes.blockedBy)];
  if (claim) Object.assign(values, claim);
  if (changes.status !== undefined) {
    values.completedAt = completedAtAfter(current.status as TodoStatus, changes.status, current.completedAt, new Date());
  }
  const movesDerived =
    (changes.status !== undefined && changes.status !== current.status) ||
    (changes.featureId !== undefined && changes.featureId !== current.featureId) ||
    (changes.elementId !== undefined && changes.elementId !== current.elementId);
  const plain = !movesDerived && !changes.blockedBy && !(claim?.claimExpiresAt instanceof SQL);
  return { project, values, movesDerived, plain };
}

const FOREIGN_KEY_VIOLATION = '23503';

/**
 * The swap, or undefined when the row is not as read: another version, or a
 * reference written back as read whose row has since been deleted (its foreign key
 * set null without a new version; the swap writes every column, so it fails on it).
 */
async function trySwap(ctx: ServiceContext, current: TodoRow, plan: TodoChangePlan, action: string): Promise<TodoRow | undefined> {
  try {
    return await ctx.statements.todos.swap(ctx.actor.id, current, plan.values as TodoSet, { action, teamId: plan.project.teamId });
  } catch (error) {
    if (sqlState(error) === FOREIGN_KEY_VIOLATION) return undefined;
    throw error;
  }
}

/** How often a plain change is decided again after another change got in between, before it queues on the lock instead. */
const SWAP_ATTEMPTS = 3;

/**
 * Changes a todo; no update is ever lost. With `expectedVersion` the client's view
 * must still be current (409 with `current_version` otherwise); the workflow and
 * claim checks and the write always see the same state.
 *
 * A plain change (a title, a description, a priority: nothing other writers of the
 * project derive values from) is checked on the row as read and written with a
 * compare-and-swap on its version, one statement with its activity row; if another
 * change got in between, it is decided again on what is there now. A change that
 * moves feature progress, the element roll-up or the dependency graph runs in a
 * transaction under the project's work lock, on the row locked.
 */
export async function updateTodo(
  ctx: ServiceContext,
  todoId: string,
  changes: TodoChanges,
  expectedVersion?: number,
  action = 'todo.updated',
): Promise<TodoRow> {
  // Ids the change names are checked first, outside the transaction.
  if (namesReferences(changes)) {
    const { project } = await requireTodo(ctx, todoId, 'write');
    await checkReferences(ctx, project, changes, todoId);
  }
  for (let attempt = 1; attempt <= SWAP_ATTEMPTS; attempt += 1) {
    // The row this process last saw is a guess: whatever it does not carry through
    // (a refused check, a swap that finds another version) is decided again on a fresh read.
    const guess = attempt === 1 ? ctx.memo.todos.peek(todoId) : undefined;
    const current = guess ?? (await ctx.statements.todos.byId(todoId));
    if (!current) throw new NotFound('Todo');
    let plan: TodoChangePlan;
    try {
      plan = await planChange(ctx, ctx.db, current, changes, expectedVersion);
    } catch (error) {
      if (!guess) throw error;
      ctx.memo.todos.invalidate(todoId);
      continue;
    }
    if (!plan.plain) break;
    const updated = await trySwap(ctx, current, plan, action);
    if (!updated) {
      ctx.memo.todos.invalidate(todoId);
      continue;
    }
    ctx.memo.todos.keep(todoId, updated);
    await publishCommitted(ctx, [todoUpdatedEvent(ctx, plan.project, updated, changedFields(current, updated, ANNOUNCED))]);
    return updated;
  }
  return mutate(ctx, async (tx, record) => {
    const [current] = await tx.select(todoColumns).from(todos).where(eq(todos.id, todoId)).for('no key update');
    if (!current) throw new NotFound('Todo');
    const { project, values, movesDerived } = await planChange(ctx, tx, current, changes, expectedVersion);
    if (movesDerived || changes.blockedBy) await lockProjectWork(tx, project.id);
    if (changes.blockedBy) await checkNoCycle(tx, project.id, todoId, changes.blockedBy);
    const [updated] = await tx
      .update(todos)
      .set({ ...values, version: sql`${todos.version} + 1` })
      .where(eq(todos.id, todoId))
      .returning(todoColumns);
    if (movesDerived) await refreshDerived(tx, record, project, current, updated);
    record.activity({
      action,
      entityType: 'todo',
      entityId: todoId,
      teamId: project.teamId,
      projectId: project.id,
      before: current,
      after: updated!,
    });
    announceTodo(record, ctx, project, updated!, changedFields(current, updated!, ANNOUNCED));
    return updated!;
  });
}

export function setTodoStatus(ctx: ServiceContext, todoId: string, status: TodoStatus, expectedVersion?: number): Promise<TodoRow> {
  return updateTodo(ctx, todoId, { status }, expectedVersion, 'todo.status_changed');
}

/** Assigns the todo to a member of its project's team, or unassigns it (`null`). */
export function assignTodo(ctx: ServiceContext, todoId: string, userId: string | null, expectedVersion?: number): Promise<TodoRow> {
  return updateTodo(ctx, todoId, { assignedTo: userId }, expectedVersion, 'todo.assigned');
}

/**
 * Deletes a todo. Todos that waited for it stop waiting (a changed row: new version,
 * its own `todoUpdated`); its element and feature are recomputed.
 */
export async function deleteTodo(ctx: ServiceContext, todoId: string): Promise<void> {
  const { project } = await requireTodo(ctx, todoId, 'write');
  await mutate(ctx, async (tx, record) => {
    await lockProjectWork(tx, project.id);
    const [deleted] = await tx.delete(todos).where(eq(todos.id, todoId)).returning(todoColumns);
    if (!deleted) throw new NotFound('Todo');
    const released = await tx
      .update(todos)
      .set({ blockedBy: sql`array_remove(${todos.blockedBy}, ${todoId}::uuid)`, version: sql`${todos.version} + 1`, updatedBy: ctx.actor.id })
      .where(and(eq(todos.projectId, project.id), sql`${todoId}::uuid = any(${todos.blockedBy})`))
      .returning({ id: todos.id, version: todos.version, blockedBy: todos.blockedBy });
    for (const todo of released) announceTodo(record, ctx, project, todo, { blocked_by: todo.blockedBy });
    await refreshDerived(tx, record, project, deleted, undefined);
    record.activity({ action: 'todo.deleted', entityType: 'todo', entityId: todoId, teamId: project.teamId, projectId: project.id, before: deleted });
    announceTodo(record, ctx, project, deleted, { action: 'deleted' });
  });
}
