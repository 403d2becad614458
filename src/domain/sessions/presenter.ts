import type { SessionRow } from './service.js';

/** The one shape of a work session, for the REST response and the MCP tool results. */
export function presentSession(session: SessionRow) {
  return {
    id: session.id,
    project_id: session.projectId,
    user_id: session.userId,
    title: session.title,
    goal: session.goal,
    feature_ids: session.featureIds,
    started_at: session.startedAt,
    ended_at: session.endedAt,
    summary: session.summary,
    todos_completed: session.todosCompleted,
    features_completed: session.featuresCompleted,
    elements_updated: session.elementsUpdated,
    notes: session.notes,
    created_by: session.createdBy,
    updated_by: session.updatedBy,
    created_at: session.createdAt,
    updated_at: session.updatedAt,
  };
}
