import { count, eq, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.js';
import { features, todos } from '../../db/schema.js';
import type { MutationRecorder } from '../mutation.js';
import { type FeatureStatus, type TodoTally, autoFeatureStatus, progressPercentage } from './rules.js';

type FeatureRow = typeof features.$inferSelect;

export async function tallyTodos(db: DbOrTx, featureId: string): Promise<TodoTally> {
  const [row] = await db
    .select({
      total: count(),
      done: sql<number>`count(*) filter (where ${todos.status} = 'done')`.mapWith(Number),
      inProgress: sql<number>`count(*) filter (where ${todos.status} = 'in_progress')`.mapWith(Number),
    })
    .from(todos)
    .where(eq(todos.featureId, featureId));
  return { total: row?.total ?? 0, done: row?.done ?? 0, inProgress: row?.inProgress ?? 0 };
}

// Qualified by hand: inside the subquery Drizzle's unqualified names would mean the todo.
const countTodos = (condition: string) =>
  sql.raw(`(select count(*) from "todos" as "todo" where "todo"."feature_id" = "features"."id"${condition})`);

/**
 * Recomputes a feature's counters, progress and auto-status from its todos, counted
 * by the database in the same statement that reads the feature, in the caller's
 * transaction (so they can never disagree with the todo change that caused it).
 * Callers hold the project's write lock (`lockProjectWork`), so concurrent todo
 * changes count in turn. Publishes `featureUpdated` when anything moved. Returns the
 * feature as it now is.
 */
export async function refreshFeatureProgress(tx: Tx, record: MutationRecorder, featureId: string, teamId: string): Promise<FeatureRow | undefined> {
  const [found] = await tx
    .select({
      feature: features,
      total: sql<number>`${countTodos('')}`.mapWith(Number),
      done: sql<number>`${countTodos(` and "todo"."status" = 'done'`)}`.mapWith(Number),
      inProgress: sql<number>`${countTodos(` and "todo"."status" = 'in_progress'`)}`.mapWith(Number),
    })
    .from(features)
    .where(eq(features.id, featureId));
  if (!found) return undefined;
  const { feature: current, ...tally } = found;
  const next = {
    totalTodos: tally.total,
    completedTodos: tally.done,
    progressPercentage: progressPercentage(tally.total, tally.done),
    status: autoFeatureStatus(current.status as FeatureStatus, tally),
  };
  const unchanged =
    next.totalTodos === current.totalTodos &&
    next.completedTodos === current.completedTodos &&
    next.progressPercentage === current.progressPercentage &&
    next.status === current.status;
  if (unchanged) return current;
  const [updated] = await tx.update(features).set(next).where(eq(features.id, featureId)).returning();
  record.activity({
    action: 'feature.progress_updated',
    entityType: 'feature',
    entityId: featureId,
    teamId,
    projectId: current.projectId,
    before: pick(current),
    after: pick(updated!),
  });
  announceFeature(record, updated!, teamId);
  return updated;
}

function pick(feature: FeatureRow) {
  return { status: feature.status, progress_percentage: feature.progressPercentage, total_todos: feature.totalTodos, completed_todos: feature.completedTodos };
}

export function announceFeature(record: MutationRecorder, feature: FeatureRow, teamId: string, status: string = feature.status): void {
  record.event({
    name: 'featureUpdated',
    teamId,
    projectId: feature.projectId,
    payload: { featureId: feature.id, projectId: feature.projectId, progress: feature.progressPercentage, status },
  });
}

