import type { ProjectRow } from '../access.js';

/** The one shape of a project, for the REST response, the MCP tool results and the project resource. */
export function presentProject(project: ProjectRow) {
  return {
    id: project.id,
    team_id: project.teamId,
    name: project.name,
    description: project.description,
    status: project.status,
    tags: project.tags,
    technology_tags: project.technologyTags,
    cursor_instructions: project.cursorInstructions,
    github_repo_url: project.githubRepoUrl,
    github_repo_id: project.githubRepoId,
    last_session_at: project.lastSessionAt,
    resume_context: (project.resumeContext as Record<string, unknown> | null) ?? null,
    created_by: project.createdBy,
    updated_by: project.updatedBy,
    created_at: project.createdAt,
    updated_at: project.updatedAt,
  };
}
