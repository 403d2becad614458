import type { DocumentRow, DocumentSummary } from './service.js';

/**
 * The one shape of a document, for the REST responses and the MCP tool results. A
 * summary is the document without its body: what listings over MCP show (an agent
 * reads a body with `mcp_get_document` when it needs it), and what writes over MCP
 * answer (the agent has just sent the body).
 */
export function presentDocumentSummary(document: DocumentSummary) {
  return {
    id: document.id,
    project_id: document.projectId,
    element_id: document.elementId,
    feature_id: document.featureId,
    type: document.type,
    title: document.title,
    tags: document.tags,
    version: document.version,
    created_by: document.createdBy,
    updated_by: document.updatedBy,
    created_at: document.createdAt,
    updated_at: document.updatedAt,
  };
}

/** The whole document: the summary and its markdown body. */
export function presentDocument(document: DocumentRow) {
  return { ...presentDocumentSummary(document), content: document.content };
}
