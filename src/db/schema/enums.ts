import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

// The lists belong to the domain; re-exported so the schema files keep one import.
export {
  USER_ROLES,
  TEAM_ROLES,
  TEAM_LANGUAGES,
  INVITATION_TYPES,
  PROJECT_STATUSES,
  ELEMENT_TYPES,
  ELEMENT_STATUSES,
  DEPENDENCY_TYPES,
  FEATURE_STATUSES,
  TODO_STATUSES,
  TODO_PRIORITIES,
  DOCUMENT_TYPES,
  IDEA_STATUSES,
  BRANCH_STATUSES,
  MCP_TOOL_PROFILES,
} from '../../domain/enums.js';

/** `column IN ('a','b',…)` for a CHECK constraint; values are our own constants, never input. */
export function oneOf(column: AnyPgColumn, values: readonly string[]): SQL {
  return sql`${column} in (${sql.raw(values.map((value) => `'${value}'`).join(', '))})`;
}
