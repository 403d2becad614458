import type { IdeaRow } from './service.js';

/** The one shape of an idea, for the REST response and the MCP tool results. */
export function presentIdea(idea: IdeaRow) {
  return {
    id: idea.id,
    team_id: idea.teamId,
    title: idea.title,
    description: idea.description,
    status: idea.status,
    tags: idea.tags,
    converted_to_project_id: idea.convertedToProjectId,
    created_by: idea.createdBy,
    updated_by: idea.updatedBy,
    created_at: idea.createdAt,
    updated_at: idea.updatedAt,
  };
}
