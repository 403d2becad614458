import type { FEATURE_STATUSES } from '../../db/schema.js';
import type { FeatureRow } from './service.js';

/** The one shape of a feature, for the REST response and the MCP tool results. */
export function presentFeature(feature: FeatureRow) {
  return {
    id: feature.id,
    project_id: feature.projectId,
    name: feature.name,
    description: feature.description,
    status: feature.status as (typeof FEATURE_STATUSES)[number],
    assigned_to: feature.assignedTo,
    progress_percentage: feature.progressPercentage,
    total_todos: feature.totalTodos,
    completed_todos: feature.completedTodos,
    created_by: feature.createdBy,
    updated_by: feature.updatedBy,
    created_at: feature.createdAt,
    updated_at: feature.updatedAt,
  };
}
