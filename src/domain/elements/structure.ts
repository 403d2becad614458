import { type SQL, and, eq, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.js';
import { projectElements } from '../../db/schema.js';

/**
 * Walks over the element tree and the dependency graph, done by the database with
 * recursive CTEs (one query however deep the tree), plus the lock that keeps two
 * concurrent changes from building a cycle together.
 *
 * The walks are SQL subqueries (`(… select id from …)`), to be used as
 * `column in ${subquery}` inside a query builder, so both drivers return the same shape.
 * `union` (not `union all`) makes each walk stop even on data that already loops.
 */

/** The element and all its descendants. */
export function subtreeIds(rootId: string): SQL {
  return sql`(with recursive subtree(id) as (
      select ${rootId}::uuid
      union
      select child.id from project_elements child join subtree on child.parent_id = subtree.id
    ) select id from subtree)`;
}

/** The element and all its ancestors up to its root. */
export function ancestryIds(elementId: string): SQL {
  return sql`(with recursive ancestry(id) as (
      select ${elementId}::uuid
      union
      select element.parent_id from project_elements element join ancestry on element.id = ancestry.id
      where element.parent_id is not null
    ) select id from ancestry)`;
}

/** The element and every element it depends on, directly or through others. */
export function dependencyClosureIds(elementId: string): SQL {
  return sql`(with recursive reach(id) as (
      select ${elementId}::uuid
      union
      select dependency.depends_on_element_id from element_dependencies dependency join reach on dependency.element_id = reach.id
    ) select id from reach)`;
}

/** Whether `candidateParentId` is `elementId` or lies below it, i.e. the move would close a loop. */
export async function isSelfOrDescendant(db: DbOrTx, elementId: string, candidateParentId: string): Promise<boolean> {
  const [hit] = await db
    .select({ id: projectElements.id })
    .from(projectElements)
    .where(and(eq(projectElements.id, elementId), sql`${projectElements.id} in ${ancestryIds(candidateParentId)}`))
    .limit(1);
  return hit !== undefined;
}

// Namespace of our advisory locks (the first key); the second is the project's hash.
const ELEMENT_STRUCTURE_LOCK = 7_342_101;

/**
 * Serializes the changes to one project's tree shape and dependency graph until the
 * transaction ends. Without it, two moves (A under B, B under A) or two dependencies
 * (A→B, B→A) could each pass the cycle check before the other commits. An advisory
 * lock rather than a row lock, so it never takes part in the row-lock order that todo
 * changes and the status roll-up follow.
 */
export async function lockElementStructure(tx: Tx, projectId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${ELEMENT_STRUCTURE_LOCK}, hashtext(${projectId}::text))`);
}
