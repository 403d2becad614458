import type { ElementRow } from './service.js';

/** The fields every element view shares: the element itself and each node of the tree. */
export function presentElementCore(element: Pick<ElementRow, 'id' | 'projectId' | 'parentId' | 'type' | 'title' | 'description' | 'status' | 'position' | 'createdAt' | 'updatedAt'>) {
  return {
    id: element.id,
    project_id: element.projectId,
    parent_id: element.parentId,
    type: element.type,
    title: element.title,
    description: element.description,
    status: element.status,
    position: element.position,
    created_at: element.createdAt,
    updated_at: element.updatedAt,
  };
}

/** The one shape of an element, for the REST response and the MCP tool results. */
export function presentElement(element: ElementRow) {
  return {
    ...presentElementCore(element),
    definition_of_done: element.definitionOfDone,
    github_issue_number: element.githubIssueNumber,
    github_issue_url: element.githubIssueUrl,
    created_by: element.createdBy,
    updated_by: element.updatedBy,
  };
}
