import { and, asc, count, eq, getTableColumns, inArray, sql, type SQL } from 'drizzle-orm';
import { features, projectElements, projects, todos } from '../../db/schema.js';
import { type ProjectRow, boundProjectId, readableTeamIds, requireProjectAccess, requireProjectWriter } from '../access.js';
import type { ServiceContext } from '../context.js';
import { NotFound } from '../errors.js';
import type { Page, PageRequest } from '../pagination.js';
import type { TodoStatus } from './rules.js';

/** A todo as services pass it around: every column but the stored search vector. */
export type TodoRow = Omit<typeof todos.$inferSelect, 'searchVector'>;
const { searchVector: _searchVector, ...todoColumnSet } = getTableColumns(todos);
/** The columns of `TodoRow`, for `select()`/`returning()`: the search vector is large and nobody shows it. */
export const todoColumns = todoColumnSet;
export type ElementRow = typeof projectElements.$inferSelect;

/** Row keys a change may touch, in the order `todoUpdated.changes` lists them. */
export const CHANGEABLE = [
  'title',
  'description',
  'status',
  'position',
  'priority',
  'blockerReason',
  'blockedBy',
  'assignedTo',
  'featureId',
  'elementId',
  'githubIssueNumber',
  'githubPrNumber',
  'githubPrUrl',
  'completedAt',
] as const satisfies readonly (keyof TodoRow)[];

/** What `todoUpdated.changes` reports: the changed fields and the claim a change renewed or ended. */
export const ANNOUNCED = [...CHANGEABLE, 'claimedBy', 'claimExpiresAt'] as const satisfies readonly (keyof TodoRow)[];

/** Board order: new, then in progress, then done; then position (unset last), then age. */
export const TODO_ORDER: SQL[] = [
  sql`case ${todos.status} when 'new' then 0 when 'in_progress' then 1 else 2 end`,
  sql`${todos.position} asc nulls last`,
  asc(todos.createdAt),
  asc(todos.id),
];

/** The todo and its project, if the caller may `level` it; 404 "Todo not found" otherwise. */
export async function requireTodo(ctx: ServiceContext, todoId: string, level: 'read' | 'write'): Promise<{ todo: TodoRow; project: ProjectRow }> {
  const [todo] = await ctx.db.select(todoColumns).from(todos).where(eq(todos.id, todoId)).limit(1);
  if (!todo) throw new NotFound('Todo');
  const project = level === 'write' ? await requireProjectWriter(ctx, todo.projectId, 'Todo') : await requireProjectAccess(ctx, todo.projectId, 'read', 'Todo');
  return { todo, project };
}

export async function getTodo(ctx: ServiceContext, todoId: string): Promise<TodoRow> {
  return (await requireTodo(ctx, todoId, 'read')).todo;
}

export interface TodoFilters {
  projectId?: string | undefined;
  featureId?: string | undefined;
  elementId?: string | undefined;
  assignedTo?: string | undefined;
  status?: TodoStatus | undefined;
}

/**
 * Todos matching every given filter, each container checked for read access (404
 * named after it). With no project, feature or element, the caller's own todos
 * (assigned to them, as the old server did), within the teams they can see.
 */
export async function listTodos(ctx: ServiceContext, filters: TodoFilters, page: PageRequest): Promise<Page<TodoRow>> {
  const conditions: SQL[] = [];
  if (filters.projectId) {
    await requireProjectAccess(ctx, filters.projectId, 'read');
    conditions.push(eq(todos.projectId, filters.projectId));
  }
  if (filters.featureId) {
    const [feature] = await ctx.db.select({ projectId: features.projectId }).from(features).where(eq(features.id, filters.featureId)).limit(1);
    if (!feature) throw new NotFound('Feature');
    await requireProjectAccess(ctx, feature.projectId, 'read', 'Feature');
    conditions.push(eq(todos.featureId, filters.featureId));
  }
  if (filters.elementId) {
    const [element] = await ctx.db
      .select({ projectId: projectElements.projectId })
      .from(projectElements)
      .where(eq(projectElements.id, filters.elementId))
      .limit(1);
    if (!element) throw new NotFound('Element');
    await requireProjectAccess(ctx, element.projectId, 'read', 'Element');
    conditions.push(eq(todos.elementId, filters.elementId));
  }
  const scoped = conditions.length > 0;
  const assignedTo = filters.assignedTo ?? (scoped ? undefined : ctx.actor.id);
  if (assignedTo) conditions.push(eq(todos.assignedTo, assignedTo));
  if (filters.status) conditions.push(eq(todos.status, filters.status));
  const bound = boundProjectId(ctx);
  if (!scoped && bound) conditions.push(eq(todos.projectId, bound));
  else if (!scoped) {
    const teamIds = await readableTeamIds(ctx);
    if (teamIds !== 'all') {
      if (teamIds.length === 0) return { items: [], total: 0, page: page.page, pageSize: page.pageSize };
      conditions.push(inArray(todos.projectId, ctx.db.select({ id: projects.id }).from(projects).where(inArray(projects.teamId, teamIds))));
    }
  }
  const where = and(...conditions);
  const [items, [totals]] = await Promise.all([
    ctx.db.select(todoColumns).from(todos).where(where).orderBy(...TODO_ORDER).limit(page.pageSize).offset(page.offset),
    ctx.db.select({ total: count() }).from(todos).where(where),
  ]);
  return { items, total: totals?.total ?? 0, page: page.page, pageSize: page.pageSize };
}
