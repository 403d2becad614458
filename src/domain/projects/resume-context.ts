import { and, asc, desc, eq, inArray, isNotNull, isNull, ne, or, sql } from 'drizzle-orm';
import { documents, features, projectElements, sessions, todos } from '../../db/schema.js';
import { cacheScopes } from '../../events/cache-invalidation.js';
import { type ProjectRow, requireProjectAccess } from '../access.js';
import type { ServiceContext } from '../context.js';

/**
 * What an agent needs to pick up a project where the last session left it
 * (DECISIONS.md "MCP", `mcp_get_resume_context`), computed live from the tables.
 * Every todo in it carries its `version`, so the agent can update it right away.
 */
export interface ResumeContext {
  project: { id: string; name: string; status: string };
  last: {
    session_id: string;
    session_summary: string | null;
    completed_todos: ResumeTodo[];
    updated_elements: ResumeElement[];
    timestamp: Date | null;
  } | null;
  now: {
    next_todos: NextTodo[];
    active_elements: ResumeElement[];
    immediate_goals: ImmediateGoal[];
  };
  next_blockers: BlockedTodo[];
  constraints: { id: string; title: string; type: string }[];
  cursor_instructions: string;
}

export interface ResumeTodo {
  id: string;
  title: string;
  status: string;
  version: number;
}

export interface NextTodo extends ResumeTodo {
  description: string | null;
  priority: string | null;
  element_id: string;
  feature_id: string | null;
  assigned_to: string | null;
  blocked: boolean;
}

export interface BlockedTodo extends ResumeTodo {
  blocker_reason: string | null;
  /** The todos it waits for that are not done yet. */
  waiting_for: ResumeTodo[];
}

export interface ResumeElement {
  id: string;
  title: string;
  type: string;
  status: string;
}

/** A feature being worked on: what the team is driving at right now. */
export interface ImmediateGoal {
  feature_id: string;
  name: string;
  status: string;
  progress_percentage: number;
}

export const NEXT_TODOS_LIMIT = 5;
/** The other lists are capped too: the context is read into an agent’s context window. */
const LIST_LIMIT = 20;

const todoSummary = { id: todos.id, title: todos.title, status: todos.status, version: todos.version };
const elementSummary = { id: projectElements.id, title: projectElements.title, type: projectElements.type, status: projectElements.status };

/** Short, because claims expire by the clock, not by an event. */
const RESUME_CONTEXT_TTL_SECONDS = 60;

/**
 * The resume context of a project for the caller. Cached per caller (the ranking puts
 * their own work first) under the project's scope, which every event of the project
 * invalidates.
 */
export async function buildResumeContext(ctx: ServiceContext, projectId: string): Promise<ResumeContext> {
  const project = await requireProjectAccess(ctx, projectId, 'read');
  return ctx.cache.remember(
    [cacheScopes.project(projectId)],
    `resume-context:${ctx.actor.id}`,
    () => computeResumeContext(ctx, project),
    RESUME_CONTEXT_TTL_SECONDS,
  );
}

async function computeResumeContext(ctx: ServiceContext, project: ProjectRow): Promise<ResumeContext> {
  const projectId = project.id;
  const [last, nextTodos, activeElements, goals, blockers, constraints] = await Promise.all([
    lastSession(ctx, projectId),
    rankNextTodos(ctx, projectId),
    ctx.db
      .select(elementSummary)
      .from(projectElements)
      .where(and(eq(projectElements.projectId, projectId), eq(projectElements.status, 'in_progress')))
      .orderBy(asc(sql`coalesce(${projectElements.position}, 0)`), asc(projectElements.createdAt))
      .limit(LIST_LIMIT),
    ctx.db
      .select({ feature_id: features.id, name: features.name, status: features.status, progress_percentage: features.progressPercentage })
      .from(features)
      .where(and(eq(features.projectId, projectId), eq(features.status, 'in_progress')))
      .orderBy(desc(features.updatedAt))
      .limit(LIST_LIMIT),
    blockedTodos(ctx, projectId),
    ctx.db
      .select({ id: documents.id, title: documents.title, type: documents.type })
      .from(documents)
      .where(and(eq(documents.projectId, projectId), inArray(documents.type, ['constraints', 'adr'])))
      .orderBy(asc(documents.type), desc(documents.updatedAt))
      .limit(LIST_LIMIT),
  ]);
  return {
    project: { id: project.id, name: project.name, status: project.status },
    last,
    now: { next_todos: nextTodos, active_elements: activeElements, immediate_goals: goals },
    next_blockers: blockers,
    constraints,
    cursor_instructions: project.cursorInstructions ?? '',
  };
}

/** The most recently ended session of the project (anyone's), with what it completed. */
async function lastSession(ctx: ServiceContext, projectId: string): Promise<ResumeContext['last']> {
  const [session] = await ctx.db
    .select()
    .from(sessions)
    .where(and(eq(sessions.projectId, projectId), isNotNull(sessions.endedAt)))
    .orderBy(desc(sessions.endedAt), desc(sessions.id))
    .limit(1);
  if (!session) return null;
  // Ids of things deleted since are left out: there is nothing left to resume.
  const [completed, updated] = await Promise.all([
    session.todosCompleted.length === 0
      ? []
      : ctx.db.select(todoSummary).from(todos).where(and(eq(todos.projectId, projectId), inArray(todos.id, session.todosCompleted))),
    session.elementsUpdated.length === 0
      ? []
      : ctx.db
          .select(elementSummary)
          .from(projectElements)
          .where(and(eq(projectElements.projectId, projectId), inArray(projectElements.id, session.elementsUpdated))),
  ]);
  return {
    session_id: session.id,
    session_summary: session.summary,
    completed_todos: inOrder(session.todosCompleted, completed),
    updated_elements: inOrder(session.elementsUpdated, updated),
    timestamp: session.endedAt,
  };
}

/**
 * A todo waits when it has a blocker reason or a todo in `blocked_by` that is not
 * done yet (a blocker that was deleted no longer holds anything up). Spelled out with
 * qualified names: in a one-table select Drizzle leaves columns unqualified, and
 * inside the subquery those would name the blocker's columns.
 */
const WAITS = sql<boolean>`(${sql.raw(
  `coalesce(btrim("todos"."blocker_reason"), '') <> '' or exists (select 1 from "todos" as "blocker" ` +
    `where "blocker"."id" = any("todos"."blocked_by") and "blocker"."status" <> 'done')`,
)})`;

/**
 * Up to five todos to work on next, for the caller: their own in-progress todos
 * first, then by priority (critical first), unblocked before blocked, position, age.
 * Never a todo someone else holds: assigned to another person, or claimed by another
 * agent whose claim has not expired.
 */
async function rankNextTodos(ctx: ServiceContext, projectId: string): Promise<NextTodo[]> {
  const me = ctx.actor.id;
  const blocked = WAITS;
  const rows = await ctx.db
    .select({
      ...todoSummary,
      description: todos.description,
      priority: todos.priority,
      element_id: todos.elementId,
      feature_id: todos.featureId,
      assigned_to: todos.assignedTo,
      blocked,
    })
    .from(todos)
    .where(
      and(
        eq(todos.projectId, projectId),
        inArray(todos.status, ['new', 'in_progress']),
        or(isNull(todos.assignedTo), eq(todos.assignedTo, me)),
        or(isNull(todos.claimedBy), eq(todos.claimedBy, me), isNull(todos.claimExpiresAt), sql`${todos.claimExpiresAt} <= now()`),
      ),
    )
    .orderBy(
      sql`case when ${todos.status} = 'in_progress' and ${todos.assignedTo} = ${me} then 0 else 1 end`,
      sql`case coalesce(${todos.priority}, 'medium') when 'critical' then 0 when 'high' then 1 when 'medium' then 2 else 3 end`,
      sql`case when ${blocked} then 1 else 0 end`,
      sql`coalesce(${todos.position}, 0)`,
      asc(todos.createdAt),
      asc(todos.id),
    )
    .limit(NEXT_TODOS_LIMIT);
  return rows.map((row) => ({ ...row, blocked: Boolean(row.blocked) }));
}

/** Unfinished todos that wait for something, with the todos they wait for. */
async function blockedTodos(ctx: ServiceContext, projectId: string): Promise<BlockedTodo[]> {
  const rows = await ctx.db
    .select({ ...todoSummary, blocker_reason: todos.blockerReason, blocked_by: todos.blockedBy })
    .from(todos)
    .where(and(eq(todos.projectId, projectId), ne(todos.status, 'done'), WAITS))
    .orderBy(asc(sql`coalesce(${todos.position}, 0)`), asc(todos.createdAt), asc(todos.id))
    .limit(LIST_LIMIT);
  const blockerIds = [...new Set(rows.flatMap((row) => row.blocked_by))];
  const open =
    blockerIds.length === 0
      ? []
      : await ctx.db
          .select(todoSummary)
          .from(todos)
          .where(and(eq(todos.projectId, projectId), inArray(todos.id, blockerIds), ne(todos.status, 'done')));
  const openById = new Map(open.map((todo) => [todo.id, todo]));
  return rows.map(({ blocked_by, ...row }) => ({
    ...row,
    waiting_for: blocked_by.flatMap((id) => openById.get(id) ?? []),
  }));
}

function inOrder<T extends { id: string }>(ids: readonly string[], rows: readonly T[]): T[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

