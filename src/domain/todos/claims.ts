import { and, asc, eq, isNull, or, sql } from 'drizzle-orm';
import { todos, users } from '../../db/schema.js';
import { isAdmin, requireProjectWriter } from '../access.js';
import type { ServiceContext } from '../context.js';
import { Conflict, NotFound, RuleViolation } from '../errors.js';
import { type MutationRecorder, mutate } from '../mutation.js';
import type { ProjectRow } from '../projects/service.js';
import type { TodoRow } from './queries.js';
import { requireTodo } from './queries.js';

/**
 * Claims: an agent's short-lived hold on a todo (DECISIONS.md "MCP"), so two agents
 * working on one project never pick the same todo. A claim is a lease: it runs out by
 * itself when the agent disappears. Taking and releasing a claim changes the todo
 * (new `version`, a `todoUpdated`); renewing the lease does not.
 */

export const DEFAULT_CLAIM_MINUTES = 30;
export const MAX_CLAIM_MINUTES = 24 * 60;

/** A todo nobody holds: no claim, or one whose lease has run out. */
const UNCLAIMED = sql`(${todos.claimedBy} is null or ${todos.claimExpiresAt} is null or ${todos.claimExpiresAt} <= now())`;

/**
 * Nothing holds it up: no blocker reason, and every todo in `blocked_by` is done.
 * Qualified by hand: inside the subquery Drizzle's unqualified names would mean the blocker.
 */
const UNBLOCKED = sql.raw(
  `(coalesce(btrim("todos"."blocker_reason"), '') = '' and not exists (select 1 from "todos" as "blocker" ` +
    `where "blocker"."id" = any("todos"."blocked_by") and "blocker"."status" <> 'done'))`,
);

const PRIORITY_RANK = sql`case coalesce(${todos.priority}, 'medium') when 'critical' then 0 when 'high' then 1 when 'medium' then 2 else 3 end`;

function leaseMinutes(minutes: number | undefined): number {
  const value = minutes ?? DEFAULT_CLAIM_MINUTES;
  if (!Number.isInteger(value) || value < 1 || value > MAX_CLAIM_MINUTES) {
    throw new RuleViolation(`leaseMinutes must be a whole number from 1 to ${MAX_CLAIM_MINUTES}`);
  }
  return value;
}

function announceClaim(record: MutationRecorder, ctx: ServiceContext, project: ProjectRow, todo: TodoRow): void {
  record.event({
    name: 'todoUpdated',
    teamId: project.teamId,
    projectId: project.id,
    version: todo.version,
    payload: {
      todoId: todo.id,
      projectId: project.id,
      userId: ctx.actor.id,
      changes: { claimed_by: todo.claimedBy, claim_expires_at: todo.claimExpiresAt },
    },
  });
}

/**
 * Atomically claims the best todo the caller may take in the project: status `new`,
 * unassigned or assigned to the caller, held by nobody, not blocked; ranked like the
 * resume context's next todos (priority, position, age). One UPDATE whose target is
 * chosen by a `FOR UPDATE SKIP LOCKED` subquery, so concurrent callers never get the
 * same row. Undefined when no todo is left.
 */
export async function claimNextTodo(ctx: ServiceContext, projectId: string, minutes?: number): Promise<TodoRow | undefined> {
  const project = await requireProjectWriter(ctx, projectId);
  const lease = leaseMinutes(minutes);
  const me = ctx.actor.id;
  return mutate(ctx, async (tx, record) => {
    const candidate = tx
      .select({ id: todos.id })
      .from(todos)
      .where(
        and(
          eq(todos.projectId, project.id),
          eq(todos.status, 'new'),
          or(isNull(todos.assignedTo), eq(todos.assignedTo, me)),
          UNCLAIMED,
          UNBLOCKED,
        ),
      )
      .orderBy(PRIORITY_RANK, sql`coalesce(${todos.position}, 0)`, asc(todos.createdAt), asc(todos.id))
      .limit(1)
      .for('update', { skipLocked: true });
    const [claimed] = await tx
      .update(todos)
      .set({
        claimedBy: me,
        claimExpiresAt: sql`now() + make_interval(mins => ${lease})`,
        version: sql`${todos.version} + 1`,
        updatedBy: me,
      })
      .where(sql`${todos.id} = (${candidate})`)
      .returning();
    if (!claimed) return undefined;
    record.activity({ action: 'todo.claimed', entityType: 'todo', entityId: claimed.id, teamId: project.teamId, projectId: project.id });
    announceClaim(record, ctx, project, claimed);
    return claimed;
  });
}

/** Who holds a todo, for a conflict message an agent (or its user) can act on. */
async function holderOf(ctx: ServiceContext, todo: TodoRow): Promise<string> {
  if (!todo.claimedBy) return 'nobody';
  const [holder] = await ctx.db.select({ email: users.email, name: users.name }).from(users).where(eq(users.id, todo.claimedBy)).limit(1);
  return holder ? `${holder.name ?? holder.email} <${holder.email}>` : todo.claimedBy;
}

function heldByOther(todo: TodoRow, me: string, now = new Date()): boolean {
  return Boolean(todo.claimedBy && todo.claimedBy !== me && todo.claimExpiresAt && todo.claimExpiresAt > now);
}

/**
 * Claims one given todo for the caller (or renews the caller's own claim). A todo
 * someone else holds is a 409 naming the holder and when the lease ends.
 */
export async function claimTodo(ctx: ServiceContext, todoId: string, minutes?: number): Promise<TodoRow> {
  const { todo, project } = await requireTodo(ctx, todoId, 'write');
  const lease = leaseMinutes(minutes);
  const me = ctx.actor.id;
  if (todo.status === 'done') throw new RuleViolation('Todo is done: there is nothing left to claim');
  const claimed = await mutate(ctx, async (tx, record) => {
    const [row] = await tx
      .update(todos)
      .set({ claimedBy: me, claimExpiresAt: sql`now() + make_interval(mins => ${lease})`, version: sql`${todos.version} + 1`, updatedBy: me })
      .where(and(eq(todos.id, todoId), or(UNCLAIMED, eq(todos.claimedBy, me))))
      .returning();
    if (row) {
      record.activity({ action: 'todo.claimed', entityType: 'todo', entityId: row.id, teamId: project.teamId, projectId: project.id });
      announceClaim(record, ctx, project, row);
    }
    return row;
  });
  if (claimed) return claimed;
  const [current] = await ctx.db.select().from(todos).where(eq(todos.id, todoId));
  if (!current) throw new NotFound('Todo');
  throw claimConflict(await holderOf(ctx, current), current);
}

function claimConflict(holder: string, todo: TodoRow): Conflict {
  return new Conflict(`Todo is claimed by ${holder} until ${todo.claimExpiresAt?.toISOString()}; pick another todo`, {
    claimed_by: todo.claimedBy,
    claim_expires_at: todo.claimExpiresAt,
    current_version: todo.version,
  });
}

/**
 * Gives a claim up. The holder may always; anyone may clear a lapsed claim; an admin
 * may clear any. Releasing an unclaimed todo is a no-op answering the todo as it is.
 */
export async function releaseTodo(ctx: ServiceContext, todoId: string): Promise<TodoRow> {
  const { todo, project } = await requireTodo(ctx, todoId, 'write');
  if (!todo.claimedBy) return todo;
  if (heldByOther(todo, ctx.actor.id) && !isAdmin(ctx.actor)) throw claimConflict(await holderOf(ctx, todo), todo);
  return mutate(ctx, async (tx, record) => {
    const [row] = await tx
      .update(todos)
      .set({ claimedBy: null, claimExpiresAt: null, version: sql`${todos.version} + 1`, updatedBy: ctx.actor.id })
      .where(and(eq(todos.id, todoId), eq(todos.claimedBy, todo.claimedBy!)))
      .returning();
    if (!row) {
      const [latest] = await tx.select().from(todos).where(eq(todos.id, todoId));
      if (!latest) throw new NotFound('Todo');
      return latest;
    }
    record.activity({ action: 'todo.released', entityType: 'todo', entityId: row.id, teamId: project.teamId, projectId: project.id });
    announceClaim(record, ctx, project, row);
    return row;
  });
}

/**
 * After the holder moved a todo: an unfinished todo's lease starts over, a done todo
 * is let go. Not a change of the todo (no version, no event): the lease is bookkeeping.
 */
export async function renewOrEndClaim(ctx: ServiceContext, todo: TodoRow, minutes = DEFAULT_CLAIM_MINUTES): Promise<TodoRow> {
  if (todo.claimedBy !== ctx.actor.id) return todo;
  const done = todo.status === 'done';
  const [row] = await ctx.db
    .update(todos)
    .set(done ? { claimedBy: null, claimExpiresAt: null } : { claimExpiresAt: sql`now() + make_interval(mins => ${minutes})` })
    .where(and(eq(todos.id, todo.id), eq(todos.claimedBy, ctx.actor.id), eq(todos.version, todo.version)))
    .returning();
  return row ?? todo;
}
