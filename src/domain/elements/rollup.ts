import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { projectElements, todos } from '../../db/schema.js';
import { type ElementStatus, rolledUpStatus } from './rules.js';

/**
 * Recomputes an element's status from its todos and children, then its parent's, up
 * to the root. Call it in the transaction of any change to a todo's status or
 * element, or to an element's children. Returns the ids whose status changed.
 */
export async function rollUpElementStatus(db: DbOrTx, elementId: string): Promise<string[]> {
  const changed: string[] = [];
  const seen = new Set<string>();
  for (let current: string | null = elementId; current && !seen.has(current); ) {
    seen.add(current); // a guard only: the tree has no cycles (checked on write)
    const [element] = await db
      .select({ id: projectElements.id, status: projectElements.status, parentId: projectElements.parentId })
      .from(projectElements)
      .where(eq(projectElements.id, current))
      .for('update');
    if (!element) break;
    const [ownTodos, children] = await Promise.all([
      db.select({ status: todos.status }).from(todos).where(eq(todos.elementId, current)),
      db.select({ status: projectElements.status }).from(projectElements).where(eq(projectElements.parentId, current)),
    ]);
    const contents = [...ownTodos, ...children].map((row) => row.status as ElementStatus);
    const next = rolledUpStatus(element.status as ElementStatus, contents);
    if (next && next !== element.status) {
      await db.update(projectElements).set({ status: next }).where(eq(projectElements.id, current));
      changed.push(current);
    }
    current = element.parentId;
  }
  return changed;
}
