import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { projects, todos, users } from '../../db/schema.js';
import type { Actor, ServiceContext } from '../context.js';
import { mutate } from '../mutation.js';
import { isUserRole } from '../users/rules.js';
import { UNCLAIMED, announceClaim } from './claims.js';
import { todoColumns } from './queries.js';

/** Claims cleared per run; the next run takes the rest. */
const BATCH = 500;

/** Someone's name is on the todo, but nobody holds it: the lease has run out. */
const LAPSED = and(isNotNull(todos.claimedBy), UNCLAIMED);

/**
 * Repeatable maintenance (the `maintenance.expired-claims` job): clears the claims whose
 * lease has run out. Every read already treats a lapsed claim as nobody's; this makes
 * the rows, the audit trail and the live boards say so too. Each cleared claim is one
 * todo change (new `version`, a `todo.claim_expired` activity row, a `todoUpdated`),
 * recorded as the holder's, since it is their lease that ended. A claim renewed between
 * the look-up and the update is left alone. Answers how many claims were cleared.
 */
export async function expireLapsedClaims(db: Db, contextFor: (actor: Actor) => ServiceContext): Promise<number> {
  const lapsed = await db
    .select({ todoId: todos.id, holderId: users.id, email: users.email, role: users.role, projectId: projects.id, teamId: projects.teamId })
    .from(todos)
    .innerJoin(users, eq(users.id, todos.claimedBy))
    .innerJoin(projects, eq(projects.id, todos.projectId))
    .where(LAPSED)
    .limit(BATCH);
  let cleared = 0;
  for (const row of lapsed) {
    const ctx = contextFor({ id: row.holderId, email: row.email, role: isUserRole(row.role) ? row.role : 'member' });
    const expired = await mutate(ctx, async (tx, record) => {
      const [todo] = await tx
        .update(todos)
        .set({ claimedBy: null, claimExpiresAt: null, version: sql`${todos.version} + 1` })
        .where(and(eq(todos.id, row.todoId), eq(todos.claimedBy, row.holderId), LAPSED))
        .returning(todoColumns);
      if (!todo) return false;
      const project = { id: row.projectId, teamId: row.teamId };
      record.activity({ action: 'todo.claim_expired', entityType: 'todo', entityId: todo.id, teamId: project.teamId, projectId: project.id });
      announceClaim(record, ctx, project, todo);
      return true;
    });
    if (expired) cleared += 1;
  }
  return cleared;
}
