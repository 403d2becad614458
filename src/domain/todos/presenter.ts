import type { TODO_STATUSES } from '../../db/schema.js';
import type { TodoRow } from './queries.js';
import { claimLive } from './rules.js';

/**
 * The one shape of a todo, for the REST response (http/schemas/todo.ts describes it)
 * and the MCP tool results (mcp/tools/present.ts leaves out its nulls). A claim shows
 * only while it runs: a lapsed lease is nobody's claim, whichever surface asks.
 */
export function presentTodo(todo: TodoRow) {
  const held = claimLive(todo);
  return {
    id: todo.id,
    project_id: todo.projectId,
    element_id: todo.elementId,
    feature_id: todo.featureId,
    title: todo.title,
    description: todo.description,
    status: todo.status as (typeof TODO_STATUSES)[number],
    position: todo.position,
    priority: todo.priority,
    blocker_reason: todo.blockerReason,
    blocked_by: todo.blockedBy,
    assigned_to: todo.assignedTo,
    claimed_by: held ? todo.claimedBy : null,
    claim_expires_at: held ? todo.claimExpiresAt : null,
    version: todo.version,
    github_issue_number: todo.githubIssueNumber,
    github_pr_number: todo.githubPrNumber,
    github_pr_url: todo.githubPrUrl,
    completed_at: todo.completedAt,
    created_by: todo.createdBy,
    updated_by: todo.updatedBy,
    created_at: todo.createdAt,
    updated_at: todo.updatedAt,
  };
}
