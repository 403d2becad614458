import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { projectElements, todos } from '../../db/schema.js';
import { type ProjectRow, requireProjectWriter, requireWritable } from '../access.js';
import type { ServiceContext } from '../context.js';
import { elementEvent } from '../elements/service.js';
import { RuleViolation } from '../errors.js';
import { type MutationRecorder, mutate } from '../mutation.js';
import type { TodoRow } from '../todos/queries.js';
import { todoColumns } from '../todos/queries.js';
import { githubFor } from './connection.js';
import {
  type FetchedIssue,
  type GitHubItemState,
  MAX_IMPORTED_ITEMS,
  type RepositoryName,
  fetchIssues,
  fetchMilestones,
} from './import-source.js';
import { createFeature, featureStatuses, featuresOfMilestones, updateFeatureFromMilestone } from './import-features.js';
import { repoOfProject } from './project-repo.js';
import {
  MovedWork,
  lockIssueTodos,
  newTodoFromIssue,
  recordCreatedTodos,
  refreshMoved,
  statusFollowing,
  todoDescriptionOf,
  todoTitleOf,
  writeTodoChange,
} from './import-todo-sync.js';

/**
 * GitHub imports (reference/mcp.md §2.8, made idempotent as DECISIONS.md "GitHub"
 * says): issues become todos keyed by (project, issue number), milestones features
 * keyed by (project, milestone number). Everything is read from GitHub first, with
 * the caller's own identity; then one transaction under the project's work lock
 * creates what is missing and brings what changed up to date, so an import that
 * fails half-way writes nothing, and two at once create each todo once. Running one
 * again changes only what changed on GitHub since.
 */

export interface IssueImportOptions {
  /** Only issues carrying every one of these labels (GitHub's own filter). */
  labels?: readonly string[] | undefined;
  state?: GitHubItemState | undefined;
  /** Create a root module "GitHub Issues" when the project has no root module. Default true. */
  createElements?: boolean | undefined;
}

export interface MilestoneImportOptions {
  state?: GitHubItemState | undefined;
}

/** Which background run an import belongs to, for the board's progress events. */
export interface ImportRun {
  jobId?: string | undefined;
}

export interface ImportedTodo {
  id: string;
  title: string;
  status: string;
  github_issue_number: number | null;
  feature_id: string | null;
}

export interface IssueImportResult {
  success: true;
  project_id: string;
  todos_created: number;
  todos_updated: number;
  todos_unchanged: number;
  elements_created: number;
  todos: ImportedTodo[];
  elements: { id: string; title: string; type: string }[];
  truncated: boolean;
  message: string;
}

export interface MilestoneImportResult {
  success: true;
  project_id: string;
  features_created: number;
  features_updated: number;
  todos_created: number;
  todos_updated: number;
  features: { id: string; name: string; status: string; github_milestone_number: number; todos_created: number; todos_updated: number }[];
  truncated: boolean;
  message: string;
}

const IMPORT_ELEMENT_TITLE = 'GitHub Issues';
const INSERT_CHUNK = 500;

/**
 * Write access (a read-only key is refused once it is known to see the project) and
 * the project's repository: checked before anything is fetched.
 */
export async function prepareImport(ctx: ServiceContext, projectId: string): Promise<{ project: ProjectRow; repository: RepositoryName }> {
  const project = await requireProjectWriter(ctx, projectId);
  requireWritable(ctx);
  return { project, repository: repoOfProject(project) };
}

export async function importIssues(ctx: ServiceContext, projectId: string, options: IssueImportOptions = {}, run: ImportRun = {}): Promise<IssueImportResult> {
  const { project, repository } = await prepareImport(ctx, projectId);
  const { api } = await githubFor(ctx);
  const fetched = await fetchIssues(api, repository, { state: options.state ?? 'open', labels: options.labels });
  const issues = distinct(fetched.items);
  return mutate(ctx, async (tx, record) => {
    const existing = await lockIssueTodos(tx, project.id, issues.map((issue) => issue.number));
    const moved = new MovedWork();
    const placement = new Placement(ctx, project, options.createElements ?? true);
    const synced = await syncIssueTodos(tx, record, ctx, project, existing, issues, placement, undefined, moved);
    await refreshMoved(tx, record, project, moved);
    const counts = { todos_created: synced.created.length, todos_updated: synced.updated.length, todos_unchanged: synced.unchanged, elements_created: placement.created.length };
    recordImportEvent(record, project, 'issues', run, counts);
    return {
      success: true as const,
      project_id: project.id,
      ...counts,
      todos: [...synced.created, ...synced.updated].map(importedTodo),
      elements: placement.created.map((element) => ({ id: element.id, title: element.title, type: element.type })),
      truncated: fetched.truncated,
      message:
        `Imported ${issues.length} GitHub issue(s) from ${repository.owner}/${repository.repo}: ${counts.todos_created} todo(s) created, ` +
        `${counts.todos_updated} updated, ${counts.todos_unchanged} unchanged` +
        (fetched.truncated ? `; only the first ${MAX_IMPORTED_ITEMS} issues were read, import again with a narrower filter for the rest` : ''),
    };
  });
}

export async function importMilestones(
  ctx: ServiceContext,
  projectId: string,
  options: MilestoneImportOptions = {},
  run: ImportRun = {},
): Promise<MilestoneImportResult> {
  const { project, repository } = await prepareImport(ctx, projectId);
  const { api } = await githubFor(ctx);
  const milestones = await fetchMilestones(api, repository, options.state ?? 'open');
  const wanted = new Set(milestones.items.map((milestone) => milestone.number));
  // One listing of every issue in any milestone, grouped here, rather than one per milestone.
  const issues = wanted.size === 0 ? { items: [], truncated: false } : await fetchIssues(api, repository, { state: 'all', milestone: '*' });
  const byMilestone = new Map<number, FetchedIssue[]>();
  for (const issue of distinct(issues.items)) {
    if (issue.milestoneNumber === null || !wanted.has(issue.milestoneNumber)) continue;
    const listed = byMilestone.get(issue.milestoneNumber);
    if (listed) listed.push(issue);
    else byMilestone.set(issue.milestoneNumber, [issue]);
  }
  return mutate(ctx, async (tx, record) => {
    const existingTodos = await lockIssueTodos(tx, project.id, [...byMilestone.values()].flat().map((issue) => issue.number));
    const existingFeatures = await featuresOfMilestones(tx, project.id, [...wanted]);
    const moved = new MovedWork();
    const placement = new Placement(ctx, project, true);
    const results: MilestoneImportResult['features'] = [];
    let featuresCreated = 0;
    let featuresUpdated = 0;
    for (const milestone of milestones.items) {
      const current = existingFeatures.get(milestone.number);
      let feature = current ?? (await createFeature(tx, record, ctx, project, milestone));
      const todoSync = await syncIssueTodos(tx, record, ctx, project, existingTodos, byMilestone.get(milestone.number) ?? [], placement, feature.id, moved);
      if (current) {
        const updated = await updateFeatureFromMilestone(tx, record, ctx, project, current, milestone);
        if (updated) {
          feature = updated;
          featuresUpdated += 1;
        }
      } else {
        featuresCreated += 1;
      }
      // Its progress is counted again from its todos, whatever moved.
      moved.featureIds.add(feature.id);
      results.push({
        id: feature.id,
        name: feature.name,
        status: feature.status,
        github_milestone_number: milestone.number,
        todos_created: todoSync.created.length,
        todos_updated: todoSync.updated.length,
      });
    }
    await refreshMoved(tx, record, project, moved);
    const finalStatus = await featureStatuses(tx, results.map((feature) => feature.id));
    for (const feature of results) feature.status = finalStatus.get(feature.id) ?? feature.status;
    const todosCreated = results.reduce((sum, feature) => sum + feature.todos_created, 0);
    const todosUpdated = results.reduce((sum, feature) => sum + feature.todos_updated, 0);
    const counts = { features_created: featuresCreated, features_updated: featuresUpdated, todos_created: todosCreated, todos_updated: todosUpdated };
    recordImportEvent(record, project, 'milestones', run, counts);
    const truncated = milestones.truncated || issues.truncated;
    return {
      success: true as const,
      project_id: project.id,
      ...counts,
      features: results,
      truncated,
      message:
        `Imported ${milestones.items.length} GitHub milestone(s) from ${repository.owner}/${repository.repo}: ${featuresCreated} feature(s) created, ` +
        `${featuresUpdated} updated; ${todosCreated} todo(s) created, ${todosUpdated} updated` +
        (truncated ? `; only the first ${MAX_IMPORTED_ITEMS} milestones and issues were read` : ''),
    };
  });
}

/** The board's progress event of an import: `phase` started, completed or failed, with its counts. */
export function importEvent(project: Pick<ProjectRow, 'id' | 'teamId'>, kind: 'issues' | 'milestones', phase: string, run: ImportRun, details: Record<string, unknown>) {
  return {
    name: 'projectUpdated' as const,
    teamId: project.teamId,
    projectId: project.id,
    payload: { projectId: project.id, changes: { action: 'github_import', kind, phase, ...(run.jobId !== undefined && { job_id: run.jobId }), ...details } },
  };
}

function recordImportEvent(record: MutationRecorder, project: ProjectRow, kind: 'issues' | 'milestones', run: ImportRun, counts: Record<string, number>): void {
  record.event(importEvent(project, kind, 'completed', run, counts));
}

/** GitHub's pages can shift while they are read; an issue seen twice counts once. */
function distinct(issues: readonly FetchedIssue[]): FetchedIssue[] {
  return [...new Map(issues.map((issue) => [issue.number, issue])).values()];
}

function importedTodo(todo: TodoRow): ImportedTodo {
  return { id: todo.id, title: todo.title, status: todo.status, github_issue_number: todo.githubIssueNumber, feature_id: todo.featureId };
}

/**
 * Where new todos go: the project's first root module (usually "Default"), else a
 * root module "GitHub Issues" made for them. Decided once, when the first new todo needs it.
 */
class Placement {
  readonly created: (typeof projectElements.$inferSelect)[] = [];
  private elementId: string | undefined;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly project: ProjectRow,
    private readonly createElements: boolean,
  ) {}

  async element(tx: Tx, record: MutationRecorder): Promise<string> {
    if (this.elementId) return this.elementId;
    const [module] = await tx
      .select({ id: projectElements.id })
      .from(projectElements)
      .where(and(eq(projectElements.projectId, this.project.id), isNull(projectElements.parentId), eq(projectElements.type, 'module')))
      .orderBy(sql`${projectElements.position} asc nulls last`, asc(projectElements.createdAt), asc(projectElements.id))
      .limit(1);
    if (module) return (this.elementId = module.id);
    if (!this.createElements) {
      throw new RuleViolation(`The project has no root module to put imported todos in: import with createElements true to create "${IMPORT_ELEMENT_TITLE}"`);
    }
    const [element] = await tx
      .insert(projectElements)
      .values({
        projectId: this.project.id,
        type: 'module',
        title: IMPORT_ELEMENT_TITLE,
        description: 'Todos imported from GitHub issues',
        createdBy: this.ctx.actor.id,
        updatedBy: this.ctx.actor.id,
      })
      .returning();
    record.activity({ action: 'element.created', entityType: 'element', entityId: element!.id, teamId: this.project.teamId, projectId: this.project.id, after: element });
    record.event(elementEvent(this.project, 'element_created', element!.id));
    this.created.push(element!);
    return (this.elementId = element!.id);
  }
}

/**
 * Each issue's todo created or brought up to date (title, description, open/done,
 * and the feature when `featureId` is given); `existing` learns the todos made.
 */
async function syncIssueTodos(
  tx: Tx,
  record: MutationRecorder,
  ctx: ServiceContext,
  project: ProjectRow,
  existing: Map<number, TodoRow>,
  issues: readonly FetchedIssue[],
  placement: Placement,
  featureId: string | undefined,
  moved: MovedWork,
): Promise<{ created: TodoRow[]; updated: TodoRow[]; unchanged: number }> {
  const created: TodoRow[] = [];
  const updated: TodoRow[] = [];
  let unchanged = 0;
  const missing: FetchedIssue[] = [];
  for (const issue of issues) {
    const current = existing.get(issue.number);
    if (!current) {
      missing.push(issue);
      continue;
    }
    const changes = {
      title: todoTitleOf(issue),
      description: todoDescriptionOf(issue),
      status: statusFollowing(current.status, issue.state),
      ...(featureId !== undefined && { featureId }),
    };
    const written = await writeTodoChange(tx, record, ctx.actor.id, project, current, changes, moved);
    if (written) {
      updated.push(written);
      existing.set(issue.number, written);
    } else {
      unchanged += 1;
    }
  }
  if (missing.length > 0) {
    const elementId = await placement.element(tx, record);
    for (let start = 0; start < missing.length; start += INSERT_CHUNK) {
      const rows = missing
        .slice(start, start + INSERT_CHUNK)
        .map((issue) => newTodoFromIssue(issue, { projectId: project.id, elementId, featureId: featureId ?? null, actorId: ctx.actor.id }));
      const inserted = await tx.insert(todos).values(rows).returning(todoColumns);
      recordCreatedTodos(record, ctx.actor.id, project, inserted, moved);
      for (const todo of inserted) existing.set(todo.githubIssueNumber!, todo);
      created.push(...inserted);
    }
  }
  return { created, updated, unchanged };
}
