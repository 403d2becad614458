import { and, asc, eq, isNull, ne, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { todos, users } from '../../db/schema.js';
import { isAdmin, requireProjectAccess, requireProjectWriter, teamRoleOf } from '../access.js';
import type { ServiceContext } from '../context.js';
import { Conflict, NotFound, RuleViolation } from '../errors.js';
import { requireProjectFeature } from '../features/references.js';
import { type MutationRecorder, mutate } from '../mutation.js';
import type { ProjectRow } from '../projects/service.js';
import { TODO_ORDER, type TodoRow, requireTodo, todoColumns } from './queries.js';
import { type TodoStatus, claimLive } from './rules.js';

/**
 * Claims: an agent's short-lived hold on a todo (DECISIONS.md "MCP"), so two agents
 * working on one project never pick the same todo. A claim is a lease: it runs out by
 * itself when the agent disappears. Taking, renewing and releasing a claim change the
 * todo (new `version`, an activity row, a `todoUpdated`), each inside `mutate()`.
 *
 * While a claim is live it protects the todo: only its holder changes the status or
 * the assignment; a team leader or an admin may too, and their change ends the claim
 * (`claimAfterChange`, applied by every status or assignment change, REST and MCP).
 */

export const DEFAULT_CLAIM_MINUTES = 30;
export const MAX_CLAIM_MINUTES = 24 * 60;

/** A todo nobody holds: no claim, or one whose lease has run out. */
export const UNCLAIMED = sql`(${todos.claimedBy} is null or ${todos.claimExpiresAt} is null or ${todos.claimExpiresAt} <= now())`;

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

export function announceClaim(record: MutationRecorder, ctx: ServiceContext, project: Pick<ProjectRow, 'id' | 'teamId'>, todo: TodoRow): void {
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
      .returning(todoColumns);
    if (!claimed) return undefined;
    record.activity({ action: 'todo.claimed', entityType: 'todo', entityId: claimed.id, teamId: project.teamId, projectId: project.id });
    announceClaim(record, ctx, project, claimed);
    return claimed;
  });
}

export interface AvailableTodoFilters {
  status?: TodoStatus | undefined;
  featureId?: string | undefined;
  /** Only todos assigned to this user (anyone's, not just the caller's). */
  assignedTo?: string | undefined;
}

/**
 * "Todos I can take" in a project, in board order, chosen by the database: open
 * (or of the given status), unassigned or assigned to the caller (or to
 * `assignedTo` when asked), and never one someone else holds a live claim on. The
 * same predicates as `claimNextTodo`, so what the list offers a claim can get.
 */
export async function listAvailableTodos(ctx: ServiceContext, projectId: string, filters: AvailableTodoFilters, limit: number): Promise<TodoRow[]> {
  await requireProjectAccess(ctx, projectId, 'read');
  if (filters.featureId) await requireProjectFeature(ctx, projectId, filters.featureId);
  const me = ctx.actor.id;
  return ctx.db
    .select(todoColumns)
    .from(todos)
    .where(
      and(
        eq(todos.projectId, projectId),
        filters.status ? eq(todos.status, filters.status) : ne(todos.status, 'done'),
        filters.featureId ? eq(todos.featureId, filters.featureId) : undefined,
        filters.assignedTo ? eq(todos.assignedTo, filters.assignedTo) : or(isNull(todos.assignedTo), eq(todos.assignedTo, me)),
        or(UNCLAIMED, eq(todos.claimedBy, me)),
      ),
    )
    .orderBy(...TODO_ORDER)
    .limit(limit);
}

/** How a person is named in a conflict message an agent (or its user) can act on. */
export async function describeUser(db: DbOrTx, userId: string | null): Promise<string> {
  if (!userId) return 'nobody';
  const [user] = await db.select({ email: users.email, name: users.name }).from(users).where(eq(users.id, userId)).limit(1);
  return user ? `${user.name ?? user.email} <${user.email}>` : userId;
}

function heldByOther(todo: TodoRow, me: string, now = new Date()): boolean {
  return claimLive(todo, now) && todo.claimedBy !== me;
}

/** Admins, and leaders of the project's team, may overrule a claim (and thereby end it). */
async function mayOverrule(ctx: ServiceContext, project: ProjectRow, db: DbOrTx): Promise<boolean> {
  return isAdmin(ctx.actor) || (await teamRoleOf(ctx, project.teamId, db)) === 'team_leader';
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
      .returning(todoColumns);
    if (row) {
      record.activity({ action: 'todo.claimed', entityType: 'todo', entityId: row.id, teamId: project.teamId, projectId: project.id });
      announceClaim(record, ctx, project, row);
    }
    return row;
  });
  if (claimed) return claimed;
  const [current] = await ctx.db.select(todoColumns).from(todos).where(eq(todos.id, todoId));
  if (!current) throw new NotFound('Todo');
  throw claimConflict(await describeUser(ctx.db, current.claimedBy), current);
}

function claimConflict(holder: string, todo: TodoRow, message = 'pick another todo'): Conflict {
  return new Conflict(`Todo is claimed by ${holder} until ${todo.claimExpiresAt?.toISOString()}; ${message}`, {
    claimed_by: todo.claimedBy,
    claim_expires_at: todo.claimExpiresAt,
    current_version: todo.version,
  });
}

/**
 * Gives a claim up. The holder may always; anyone may clear a lapsed claim; an admin
 * or a leader of the project's team may clear any. Releasing an unclaimed todo is a
 * no-op answering the todo as it is.
 */
export async function releaseTodo(ctx: ServiceContext, todoId: string): Promise<TodoRow> {
  const { todo, project } = await requireTodo(ctx, todoId, 'write');
  if (!todo.claimedBy) return todo;
  if (heldByOther(todo, ctx.actor.id) && !(await mayOverrule(ctx, project, ctx.db))) {
    throw claimConflict(await describeUser(ctx.db, todo.claimedBy), todo, 'only they, a team leader or an admin can release it');
  }
  return mutate(ctx, async (tx, record) => {
    const [row] = await tx
      .update(todos)
      .set({ claimedBy: null, claimExpiresAt: null, version: sql`${todos.version} + 1`, updatedBy: ctx.actor.id })
      .where(and(eq(todos.id, todoId), eq(todos.claimedBy, todo.claimedBy!)))
      .returning(todoColumns);
    if (!row) {
      const [latest] = await tx.select(todoColumns).from(todos).where(eq(todos.id, todoId));
      if (!latest) throw new NotFound('Todo');
      return latest;
    }
    record.activity({ action: 'todo.released', entityType: 'todo', entityId: row.id, teamId: project.teamId, projectId: project.id });
    announceClaim(record, ctx, project, row);
    return row;
  });
}

/** What a change does to the claim columns: nothing, or their new values. */
export type ClaimUpdate = { claimedBy: string | null; claimExpiresAt: SQL | null } | undefined;

/**
 * The claim rule for a change of status or assignment, decided in the change's
 * transaction on the locked row, so REST and MCP (and two racing callers) get the
 * same answer:
 * - the holder's status change renews the lease (DEFAULT_CLAIM_MINUTES from now),
 *   or ends the claim when the todo is done; handing the todo to someone else
 *   ends it too, so the new assignee is not locked out;
 * - anyone else's change of a live claim's todo is a 409 naming the holder and the
 *   expiry, unless they are an admin or a leader of the team: then it ends the claim;
 * - a lapsed claim is nobody's: a change of status or assignment clears it, so no
 *   done todo keeps a stale `claimed_by`.
 * Other fields (title, text, priority…) stay open to the whole team.
 */
export async function claimAfterChange(
  db: DbOrTx,
  ctx: ServiceContext,
  project: ProjectRow,
  current: TodoRow,
  changes: { status?: string | undefined; assignedTo?: string | null | undefined },
): Promise<ClaimUpdate> {
  if (!current.claimedBy) return undefined;
  const me = ctx.actor.id;
  const movesStatus = changes.status !== undefined && changes.status !== current.status;
  const movesAssignee = changes.assignedTo !== undefined && changes.assignedTo !== current.assignedTo;
  const released = { claimedBy: null, claimExpiresAt: null };
  if (current.claimedBy === me) {
    if (changes.status === 'done' || (movesAssignee && changes.assignedTo !== me)) return released;
    if (changes.status !== undefined) return { claimedBy: me, claimExpiresAt: sql`now() + make_interval(mins => ${DEFAULT_CLAIM_MINUTES})` };
    return undefined;
  }
  if (!movesStatus && !movesAssignee) return undefined;
  if (claimLive(current) && !(await mayOverrule(ctx, project, db))) {
    throw claimConflict(await describeUser(db, current.claimedBy), current, 'only they, a team leader or an admin can change its status or assignment');
  }
  return released;
}
