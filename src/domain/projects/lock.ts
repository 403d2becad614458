import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { projects } from '../../db/schema.js';

/**
 * The project's write lock, for changes that read or recompute what other writers
 * of the project change too (feature progress, element roll-up, dependency cycles,
 * the default element), so each sees the others' committed work. Locks are taken
 * todo rows first, then the project, then features and elements, in every
 * mutation, so writers queue and never deadlock over them.
 */
export async function lockProjectWork(tx: Tx, projectId: string): Promise<void> {
  await tx.execute(sql`select 1 from ${projects} where ${projects.id} = ${projectId} for no key update`);
}
