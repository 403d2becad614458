import { type SQL, and, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { todos } from '../../db/schema.js';
import type { ProjectRow } from '../access.js';
import { rollUpElementStatus } from '../elements/rollup.js';
import { refreshFeatureProgress } from '../features/progress.js';
import type { MutationRecorder } from '../mutation.js';
import { lockProjectWork } from '../projects/lock.js';
import { ANNOUNCED, type TodoRow, todoColumns } from '../todos/queries.js';
import { type TodoStatus, changedFields, completedAtAfter } from '../todos/rules.js';

/**
 * Todo changes GitHub causes (imports and webhooks), written the way the todo
 * service writes its own: a new version, `completed_at` kept right, an activity row
 * and a `todoUpdated` each, then the element roll-up and feature progress moved in
 * the same transaction. GitHub's state is authoritative here, so a closed issue makes
 * its todo done from any status, without the one-step-forward workflow people follow.
 */

const TITLE_LENGTH = 255;
// eslint-disable-next-line no-control-regex -- NUL is exactly what PostgreSQL text cannot hold
const NUL = /\u0000/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const URGENT_LABELS = new Set(['bug', 'critical', 'urgent']);

/** Text from GitHub as PostgreSQL can store it: no NUL, no unpaired surrogate, at most `max` characters. */
export function storableText(text: string, max?: number): string {
  let clean = text.replace(NUL, '').replace(LONE_SURROGATE, '\uFFFD');
  if (max !== undefined && clean.length > max) {
    clean = clean.slice(0, max);
    // Never end on half a surrogate pair.
    if (/[\uD800-\uDBFF]$/.test(clean)) clean = clean.slice(0, -1);
  }
  return clean;
}

export interface IssueFields {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  labels?: readonly string[] | undefined;
}

/** The title a todo takes from an issue (GitHub allows longer ones than a todo holds). */
export function todoTitleOf(issue: Pick<IssueFields, 'title' | 'number'>): string {
  return storableText(issue.title, TITLE_LENGTH).trim() || `GitHub issue #${issue.number}`;
}

export function todoDescriptionOf(issue: Pick<IssueFields, 'body' | 'number'>): string {
  const body = issue.body === null ? '' : storableText(issue.body);
  return body.trim() === '' ? `GitHub issue #${issue.number}` : body;
}

export function todoPriorityOf(labels: readonly string[]): 'high' | 'medium' {
  return labels.some((label) => URGENT_LABELS.has(label.toLowerCase())) ? 'high' : 'medium';
}

/** A todo's status once its issue is `state`: closed → done; reopened → new; an open issue leaves work in progress alone. */
export function statusFollowing(current: string, state: 'open' | 'closed'): TodoStatus {
  if (state === 'closed') return 'done';
  return current === 'done' ? 'new' : (current as TodoStatus);
}

/** The columns of a todo made from an issue. */
export function newTodoFromIssue(
  issue: IssueFields,
  placement: { projectId: string; elementId: string; featureId: string | null; actorId: string },
): typeof todos.$inferInsert {
  const status: TodoStatus = issue.state === 'closed' ? 'done' : 'new';
  return {
    projectId: placement.projectId,
    elementId: placement.elementId,
    featureId: placement.featureId,
    title: todoTitleOf(issue),
    description: todoDescriptionOf(issue),
    status,
    priority: todoPriorityOf(issue.labels ?? []),
    githubIssueNumber: issue.number,
    completedAt: completedAtAfter(undefined, status, null, new Date()),
    createdBy: placement.actorId,
    updatedBy: placement.actorId,
  };
}

export interface GitHubTodoChanges {
  title?: string | undefined;
  description?: string | null | undefined;
  status?: TodoStatus | undefined;
  featureId?: string | null | undefined;
  githubPrNumber?: number | undefined;
  githubPrUrl?: string | undefined;
}

/** Collects what a batch of todo changes moved, for `refreshMoved`. */
export class MovedWork {
  readonly elementIds = new Set<string>();
  readonly featureIds = new Set<string>();

  add(todo: Pick<TodoRow, 'elementId' | 'featureId'>): void {
    this.elementIds.add(todo.elementId);
    if (todo.featureId) this.featureIds.add(todo.featureId);
  }
}

/**
 * Locks the project's todos imported from `issueNumbers`, then the project's work
 * lock (the order every todo mutation takes them in), and reads those todos as they
 * now are: a concurrent import has committed or not started, so each issue is found
 * here or created once. Several todos for one issue (set by hand): the oldest counts.
 */
export async function lockIssueTodos(tx: Tx, projectId: string, issueNumbers: readonly number[]): Promise<Map<number, TodoRow>> {
  const numbers = [...new Set(issueNumbers)];
  const found = new Map<number, TodoRow>();
  if (numbers.length === 0) {
    await lockProjectWork(tx, projectId);
    return found;
  }
  const rows = await lockProjectTodos(tx, projectId, inArray(todos.githubIssueNumber, numbers));
  for (const row of rows) if (row.githubIssueNumber !== null && !found.has(row.githubIssueNumber)) found.set(row.githubIssueNumber, row);
  return found;
}

/** The project's todos matching `condition` locked first, then the project's work lock, as every todo mutation takes them; then the rows as they now are. */
export async function lockProjectTodos(tx: Tx, projectId: string, condition: SQL): Promise<TodoRow[]> {
  const where = and(eq(todos.projectId, projectId), condition);
  await tx.select({ id: todos.id }).from(todos).where(where).for('no key update');
  await lockProjectWork(tx, projectId);
  return tx.select(todoColumns).from(todos).where(where).orderBy(todos.createdAt, todos.id).for('no key update');
}

/**
 * Applies `changes` where they differ from `current`; undefined when nothing did
 * (the todo is left untouched: same version, no event).
 */
export async function writeTodoChange(
  tx: Tx,
  record: MutationRecorder,
  actorId: string,
  project: Pick<ProjectRow, 'id' | 'teamId'>,
  current: TodoRow,
  changes: GitHubTodoChanges,
  moved: MovedWork,
  action = 'todo.github_synced',
): Promise<TodoRow | undefined> {
  const values: Partial<typeof todos.$inferInsert> = {};
  if (changes.title !== undefined && changes.title !== current.title) values.title = changes.title;
  if (changes.description !== undefined && changes.description !== current.description) values.description = changes.description;
  if (changes.featureId !== undefined && changes.featureId !== current.featureId) values.featureId = changes.featureId;
  if (changes.githubPrNumber !== undefined && changes.githubPrNumber !== current.githubPrNumber) values.githubPrNumber = changes.githubPrNumber;
  if (changes.githubPrUrl !== undefined && changes.githubPrUrl !== current.githubPrUrl) values.githubPrUrl = changes.githubPrUrl;
  if (changes.status !== undefined && changes.status !== current.status) {
    values.status = changes.status;
    values.completedAt = completedAtAfter(current.status as TodoStatus, changes.status, current.completedAt, new Date());
    // Finished work is nobody's to hold any more.
    if (changes.status === 'done') Object.assign(values, { claimedBy: null, claimExpiresAt: null });
  }
  if (Object.keys(values).length === 0) return undefined;
  const [updated] = await tx
    .update(todos)
    .set({ ...values, version: sql`${todos.version} + 1`, updatedBy: actorId, updatedAt: new Date() })
    .where(eq(todos.id, current.id))
    .returning(todoColumns);
  if (!updated) return undefined;
  record.activity({ action, entityType: 'todo', entityId: current.id, teamId: project.teamId, projectId: project.id, before: current, after: updated });
  announceTodo(record, actorId, project, updated, changedFields(current, updated, ANNOUNCED));
  if (values.status !== undefined || values.featureId !== undefined) {
    moved.add(current);
    moved.add(updated);
  }
  return updated;
}

/** Records the creation of todos inserted in bulk. */
export function recordCreatedTodos(record: MutationRecorder, actorId: string, project: Pick<ProjectRow, 'id' | 'teamId'>, created: readonly TodoRow[], moved: MovedWork): void {
  for (const todo of created) {
    record.activity({ action: 'todo.created', entityType: 'todo', entityId: todo.id, teamId: project.teamId, projectId: project.id, after: todo });
    announceTodo(record, actorId, project, todo, { action: 'created' });
    moved.add(todo);
  }
}

export function announceTodo(
  record: MutationRecorder,
  actorId: string,
  project: Pick<ProjectRow, 'id' | 'teamId'>,
  todo: Pick<TodoRow, 'id' | 'version'>,
  changes: Record<string, unknown>,
): void {
  record.event({
    name: 'todoUpdated',
    teamId: project.teamId,
    projectId: project.id,
    version: todo.version,
    payload: { todoId: todo.id, projectId: project.id, userId: actorId, changes },
  });
}

/** The element roll-up and feature progress after the batch, once per element and feature. */
export async function refreshMoved(tx: Tx, record: MutationRecorder, project: Pick<ProjectRow, 'id' | 'teamId'>, moved: MovedWork): Promise<void> {
  const rolled = new Set<string>();
  for (const elementId of moved.elementIds) for (const id of await rollUpElementStatus(tx, elementId)) rolled.add(id);
  if (rolled.size > 0) {
    record.event({
      name: 'projectUpdated',
      teamId: project.teamId,
      projectId: project.id,
      payload: { projectId: project.id, changes: { action: 'element_status_rolled_up', element_ids: [...rolled] } },
    });
  }
  for (const featureId of moved.featureIds) await refreshFeatureProgress(tx, record, featureId, project.teamId);
}
