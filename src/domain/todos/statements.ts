import { type Column, and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { activity, todos } from '../../db/schema.js';
import type { ActivityEntry } from '../mutation.js';
import { ANNOUNCED, type TodoRow, todoColumns } from './queries.js';

/**
 * The columns a compare-and-swap writes: every one a change may set, and who set it
 * when. `createdBy` is written back as read too: a user's deletion sets it null
 * without a new version, and writing the deleted id back fails its foreign key, so
 * the change is decided again on the row as it is (and the activity row never
 * names what the row no longer holds).
 */
const SWAPPED = [...ANNOUNCED, 'createdBy', 'updatedBy', 'updatedAt'] as const satisfies readonly (keyof TodoRow)[];

type Swapped = (typeof SWAPPED)[number];

/** Plain values of the todo's own columns (no SQL): what a change sets. */
export type TodoSet = Partial<Pick<TodoRow, Swapped>>;

/**
 * The statements of a todo write that takes no lock, built once per database as
 * Drizzle prepared queries: a todo write is a few of them, and building a query
 * (Drizzle walking its SQL tree) cost more CPU than running it.
 */
export class TodoStatements {
  private readonly selectById;
  private readonly swapStatement;

  constructor(db: Db) {
    this.selectById = db
      .select(todoColumns)
      .from(todos)
      .where(eq(todos.id, sql.placeholder('id')))
      .prepare('todo_by_id');

    // One shape for every change: all the columns a change may set, the unchanged
    // ones written back as they were read, which the version check guarantees they
    // still are. Each value is encoded by its column in \`swap\` (Drizzle's encoding of
    // a placeholder refuses a null).
    const set = Object.fromEntries(SWAPPED.map((column) => [column, sql`${sql.placeholder(column)}`]));
    const updated = db.$with('updated').as(
      db
        .update(todos)
        .set({ ...set, version: sql`${todos.version} + 1` })
        .where(and(eq(todos.id, sql.placeholder('id')), eq(todos.version, sql.placeholder('version'))))
        .returning(todoColumns),
    );
    // Inserts only when the update matched: its rows are the insert's source.
    const logged = db.$with('logged').as(
      db
        .insert(activity)
        .select(
          db
            .select({
              id: sql`gen_random_uuid()`.as('id'),
              actorId: sql`${sql.placeholder('actorId')}::uuid`.as('actor_id'),
              action: sql`${sql.placeholder('action')}::varchar`.as('action'),
              entityType: sql`'todo'::varchar`.as('entity_type'),
              entityId: updated.id,
              teamId: sql`${sql.placeholder('teamId')}::uuid`.as('team_id'),
              projectId: updated.projectId,
              before: sql`${sql.placeholder('before')}::jsonb`.as('before'),
              after: sql`${sql.placeholder('after')}::jsonb`.as('after'),
              at: sql`now()`.as('at'),
            })
            .from(updated),
        )
        .returning({ id: activity.id }),
    );
    this.swapStatement = db.with(updated, logged).select().from(updated).prepare('todo_swap');
  }

  /** The todo as it is now, without a lock. */
  async byId(id: string): Promise<TodoRow | undefined> {
    const [row] = await this.selectById.execute({ id });
    return row;
  }

  /**
   * Writes `set` to the todo in one statement, if it is still at the version it was
   * read at (`current`): the update, its activity row and the commit are a single
   * round trip, and no lock is held beyond that statement. Undefined when another
   * change got there first; the caller reads again and decides again.
   *
   * The activity row's `after` is `current` with `set` applied: exactly what the
   * statement writes, since `set` holds plain values only.
   */
  async swap(actorId: string, current: TodoRow, set: TodoSet, entry: Pick<ActivityEntry, 'action' | 'teamId'>): Promise<TodoRow | undefined> {
    const after: TodoRow = { ...current, ...set, version: current.version + 1 };
    const values: Record<string, unknown> = {
      id: current.id,
      version: current.version,
      actorId,
      action: entry.action,
      teamId: entry.teamId ?? null,
      before: JSON.stringify(current),
      after: JSON.stringify(after),
    };
    for (const column of SWAPPED) {
      const value = after[column];
      const encoder: Column = todos[column];
      values[column] = value === null ? null : encoder.mapToDriverValue(value);
    }
    const [row] = await this.swapStatement.execute(values);
    return row;
  }
}
