import type { FeatureRow } from '../../domain/features/service.js';
import type { ProjectRow } from '../../domain/projects/service.js';
import type { TodoRow } from '../../domain/todos/queries.js';
import type { PageRequest } from '../../domain/pagination.js';

/**
 * The shapes tools answer with: snake_case like the REST API, nulls and empty lists
 * left out (every character lands in an agent's context window). Every todo carries
 * its `version`, so the agent can pass it back as `expectedVersion`.
 */

/** Drops null, undefined and empty-array fields. */
export function compact<T extends Record<string, unknown>>(value: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === null || field === undefined || (Array.isArray(field) && field.length === 0)) continue;
    out[key] = field;
  }
  return out as Partial<T>;
}

const isEmpty = (value: unknown) =>
  value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0) || (isPlainObject(value) && Object.keys(value).length === 0);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * `compact` at every depth, for nested read models such as the resume context: drops
 * null, undefined, "" and [] fields, and objects left empty by that. `false` and `0`
 * stay: they say something.
 */
export function prune(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(prune).filter((item) => !isEmpty(item));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const pruned = prune(field);
    if (!isEmpty(pruned)) out[key] = pruned;
  }
  return out;
}

export function presentTodo(todo: TodoRow) {
  const claimLive = todo.claimedBy && todo.claimExpiresAt && todo.claimExpiresAt.getTime() > Date.now();
  return compact({
    id: todo.id,
    title: todo.title,
    description: todo.description,
    status: todo.status,
    priority: todo.priority,
    version: todo.version,
    project_id: todo.projectId,
    element_id: todo.elementId,
    feature_id: todo.featureId,
    assigned_to: todo.assignedTo,
    claimed_by: claimLive ? todo.claimedBy : null,
    claim_expires_at: claimLive ? todo.claimExpiresAt : null,
    blocker_reason: todo.blockerReason,
    blocked_by: todo.blockedBy,
  });
}

export function presentFeature(feature: FeatureRow) {
  return compact({
    id: feature.id,
    project_id: feature.projectId,
    name: feature.name,
    description: feature.description,
    status: feature.status,
    progress_percentage: feature.progressPercentage,
    total_todos: feature.totalTodos,
    completed_todos: feature.completedTodos,
    assigned_to: feature.assignedTo,
  });
}

export function presentProject(project: ProjectRow) {
  return compact({
    id: project.id,
    name: project.name,
    description: project.description,
    status: project.status,
    team_id: project.teamId,
    tags: project.tags,
    technology_tags: project.technologyTags,
    cursor_instructions: project.cursorInstructions,
    github_repo_url: project.githubRepoUrl,
    updated_at: project.updatedAt,
    last_session_at: project.lastSessionAt,
  });
}

/** One window of `size` rows from the start; tools answer lists in one page. */
export function firstPage(size: number): PageRequest {
  return { page: 1, pageSize: size, offset: 0 };
}
