import { presentFeature as sharedFeature } from '../../domain/features/presenter.js';
import type { FeatureRow } from '../../domain/features/service.js';
import { presentProject as sharedProject } from '../../domain/projects/presenter.js';
import type { ProjectRow } from '../../domain/projects/service.js';
import { presentTodo as sharedTodo } from '../../domain/todos/presenter.js';
import type { TodoRow } from '../../domain/todos/queries.js';
import type { PageRequest } from '../../domain/pagination.js';

/**
 * Tools answer with the entity presenters REST uses (domain/<entity>/presenter.ts),
 * nulls and empty lists left out: every character lands in an agent's context window.
 * Every todo carries its `version`, so the agent can pass it back as `expectedVersion`.
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

/**
 * Fields an agent has no use for on every entity: who made it and when (the audit
 * tools answer that). The resume context rides in `mcp_get_resume_context` alone.
 */
export const AGENT_LEFT_OUT: ReadonlySet<string> = new Set(['created_by', 'updated_by', 'created_at', 'resume_context']);

/** An entity as the shared presenter shows it to REST, minus its nulls, empty lists and `AGENT_LEFT_OUT`. */
export function forAgent<T extends Record<string, unknown>>(presented: T): Partial<T> {
  const kept = compact(presented) as Record<string, unknown>;
  for (const field of AGENT_LEFT_OUT) delete kept[field];
  return kept as Partial<T>;
}

export const presentTodo = (todo: TodoRow) => forAgent(sharedTodo(todo));
export const presentFeature = (feature: FeatureRow) => forAgent(sharedFeature(feature));
export const presentProject = (project: ProjectRow) => forAgent(sharedProject(project));

/** The fields `forAgent` leaves out, for the output schemas that describe its result. */

/** One window of `size` rows from the start; tools answer lists in one page. */
export function firstPage(size: number): PageRequest {
  return { page: 1, pageSize: size, offset: 0 };
}
