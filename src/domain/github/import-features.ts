import { and, asc, eq, getTableColumns, inArray } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { features } from '../../db/schema.js';
import type { ProjectRow } from '../access.js';
import type { ServiceContext } from '../context.js';
import { announceFeature, tallyTodos } from '../features/progress.js';
import { type FeatureStatus, autoFeatureStatus } from '../features/rules.js';
import type { MutationRecorder } from '../mutation.js';
import type { FetchedMilestone } from './import-source.js';
import { storableText } from './import-todo-sync.js';

/** The features milestone imports make and keep up to date, keyed by (project, milestone number). */

const FEATURE_NAME_LENGTH = 255;
const { searchVector: _featureSearch, ...featureColumns } = getTableColumns(features);
export type ImportedFeatureRow = Omit<typeof features.$inferSelect, 'searchVector'>;
type FeatureRow = ImportedFeatureRow;

/** The project's features imported from `numbers`; several for one milestone (made by hand): the oldest counts. */
export async function featuresOfMilestones(tx: Tx, projectId: string, numbers: number[]): Promise<Map<number, FeatureRow>> {
  const found = new Map<number, FeatureRow>();
  if (numbers.length === 0) return found;
  const rows = await tx
    .select(featureColumns)
    .from(features)
    .where(and(eq(features.projectId, projectId), inArray(features.githubMilestoneNumber, numbers)))
    .orderBy(asc(features.createdAt), asc(features.id));
  for (const row of rows) if (row.githubMilestoneNumber !== null && !found.has(row.githubMilestoneNumber)) found.set(row.githubMilestoneNumber, row);
  return found;
}

export async function featureStatuses(tx: Tx, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.select({ id: features.id, status: features.status }).from(features).where(inArray(features.id, ids));
  return new Map(rows.map((row) => [row.id, row.status]));
}

function featureNameOf(milestone: FetchedMilestone): string {
  return storableText(milestone.title, FEATURE_NAME_LENGTH).trim() || `GitHub milestone #${milestone.number}`;
}

function featureDescriptionOf(milestone: FetchedMilestone): string | null {
  return milestone.description === null ? null : storableText(milestone.description);
}

export async function createFeature(tx: Tx, record: MutationRecorder, ctx: ServiceContext, project: ProjectRow, milestone: FetchedMilestone): Promise<FeatureRow> {
  const [feature] = await tx
    .insert(features)
    .values({
      projectId: project.id,
      name: featureNameOf(milestone),
      description: featureDescriptionOf(milestone),
      status: milestone.state === 'closed' ? 'done' : 'new',
      githubMilestoneNumber: milestone.number,
      createdBy: ctx.actor.id,
      updatedBy: ctx.actor.id,
    })
    .returning(featureColumns);
  record.activity({ action: 'feature.created', entityType: 'feature', entityId: feature!.id, teamId: project.teamId, projectId: project.id, after: feature });
  announceFeature(record, { ...feature!, searchVector: null }, project.teamId);
  return feature!;
}

/**
 * A milestone's feature brought up to date, after its todos: name, description, and
 * the status the milestone's state implies — closed means done, reopened undoes done —
 * as its todos' progress then has it (the auto-status every todo change applies), so
 * a second import finds nothing to change. `tested` and `merged` are people's
 * verdicts and stay. Undefined when nothing changed.
 */
export async function updateFeatureFromMilestone(
  tx: Tx,
  record: MutationRecorder,
  ctx: ServiceContext,
  project: ProjectRow,
  current: FeatureRow,
  milestone: FetchedMilestone,
): Promise<FeatureRow | undefined> {
  const values: Partial<typeof features.$inferInsert> = {};
  const name = featureNameOf(milestone);
  const description = featureDescriptionOf(milestone);
  if (name !== current.name) values.name = name;
  if (description !== current.description) values.description = description;
  const status = current.status as FeatureStatus;
  if (status !== 'tested' && status !== 'merged') {
    const implied: FeatureStatus = milestone.state === 'closed' ? 'done' : status === 'done' ? 'new' : status;
    const next = autoFeatureStatus(implied, await tallyTodos(tx, current.id));
    if (next !== status) values.status = next;
  }
  if (Object.keys(values).length === 0) return undefined;
  const [feature] = await tx
    .update(features)
    .set({ ...values, updatedBy: ctx.actor.id, updatedAt: new Date() })
    .where(eq(features.id, current.id))
    .returning(featureColumns);
  record.activity({ action: 'feature.github_synced', entityType: 'feature', entityId: current.id, teamId: project.teamId, projectId: project.id, before: current, after: feature });
  announceFeature(record, { ...feature!, searchVector: null }, project.teamId);
  return feature;
}
