import { inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { projectElements } from '../../db/schema.js';
import { type ContentTally, type ElementStatus, rolledUpFromTally } from './rules.js';
import { ancestryIds } from './structure.js';

// Counted per element of the chain by the database; written out by hand because
// inside these subqueries Drizzle's unqualified column names would mean the inner table.
const counted = (condition: string) =>
  sql.raw(
    `(select count(*) from "todos" as "own" where "own"."element_id" = "project_elements"."id"${condition.replaceAll('$', '"own"."status"')}) + ` +
      `(select count(*) from "project_elements" as "child" where "child"."parent_id" = "project_elements"."id"${condition.replaceAll('$', '"child"."status"')})`,
  );

/**
 * Recomputes an element's status from its todos and children, then its parent's, up
 * to the root, in two statements however deep the tree: one reads the chain with
 * its contents counted, one writes the statuses that moved. Call it in the
 * transaction of any change to a todo's status or element, or to an element's
 * children, after `lockProjectWork` (so concurrent changes count in turn). Returns
 * the ids whose status changed.
 */
export async function rollUpElementStatus(db: DbOrTx, elementId: string): Promise<string[]> {
  const rows = await db
    .select({
      id: projectElements.id,
      parentId: projectElements.parentId,
      status: projectElements.status,
      total: sql<number>`${counted('')}`.mapWith(Number),
      done: sql<number>`${counted(` and $ in ('done', 'tested')`)}`.mapWith(Number),
      inProgress: sql<number>`${counted(` and $ = 'in_progress'`)}`.mapWith(Number),
    })
    .from(projectElements)
    .where(sql`${projectElements.id} in ${ancestryIds(elementId)}`);
  const byId = new Map(rows.map((row) => [row.id, row]));

  const moved = new Map<string, ElementStatus>();
  // The child below that moved, whose old status the parent's counts still hold.
  let below: { from: ElementStatus; to: ElementStatus } | undefined;
  const seen = new Set<string>();
  for (let row = byId.get(elementId); row && !seen.has(row.id); row = row.parentId ? byId.get(row.parentId) : undefined) {
    seen.add(row.id); // a guard only: the tree has no cycles (checked on write)
    const tally = below ? retally(row, below.from, below.to) : row;
    const current = row.status as ElementStatus;
    const next = rolledUpFromTally(current, tally);
    if (next && next !== current) {
      moved.set(row.id, next);
      below = { from: current, to: next };
    } else {
      below = undefined;
    }
  }
  if (moved.size === 0) return [];
  const cases = sql.join([...moved].map(([id, status]) => sql`when ${id}::uuid then ${status}`), sql` `);
  await db
    .update(projectElements)
    .set({ status: sql`case ${projectElements.id} ${cases} end` })
    .where(inArray(projectElements.id, [...moved.keys()]));
  return [...moved.keys()];
}

/** A parent's counts with one child's status changed from `from` to `to`. */
function retally(tally: ContentTally, from: ElementStatus, to: ElementStatus): ContentTally {
  const isDone = (status: ElementStatus) => status === 'done' || status === 'tested';
  return {
    total: tally.total,
    done: tally.done - Number(isDone(from)) + Number(isDone(to)),
    inProgress: tally.inProgress - Number(from === 'in_progress') + Number(to === 'in_progress'),
  };
}
