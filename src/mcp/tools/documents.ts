import { z } from 'zod';
import { oneOf } from './one-of.js';
import { DOCUMENT_TYPES } from '../../domain/enums.js';
import { type DocumentRow, type DocumentSummary, createDocument, getDocument, listProjectDocumentSummaries, updateDocument } from '../../domain/documents/service.js';
import { RuleViolation } from '../../domain/errors.js';
import { getTodo } from '../../domain/todos/queries.js';
import { compact } from './present.js';
import { idArg, projectIdFor } from './project-scope.js';
import { type McpCallContext, type ToolDefinition, defineTool } from './types.js';

/** Project documents (reference/mcp.md §2.5): architecture notes, ADRs, constraints, runbooks. */

const documentType = oneOf(DOCUMENT_TYPES);
// Documents are markdown up to 5 MiB over REST; an agent's tool call is kept well below.
const CONTENT_MAX_CHARS = 1_000_000;
const LIST_LIMIT_MAX = 200;

function presentDocument(document: DocumentSummary) {
  return compact({
    id: document.id,
    project_id: document.projectId,
    title: document.title,
    type: document.type,
    element_id: document.elementId,
    feature_id: document.featureId,
    tags: document.tags,
    version: document.version,
    updated_at: document.updatedAt,
  });
}

async function loadDocument(ctx: McpCallContext, documentId: string): Promise<DocumentRow> {
  const document = await getDocument(ctx, documentId);
  return document;
}

export const documentTools: ToolDefinition[] = [
  defineTool({
    name: 'mcp_get_document',
    description: 'Read one project document in full (markdown content). Use it for ADRs, constraints and architecture notes listed by mcp_list_documents or the resume context. Returns {id,title,type,content,version,…}.',
    profile: 'standard',
    inputSchema: { documentId: idArg('Document id') },
    annotations: { readOnlyHint: true },
    async handler(ctx, args) {
      const document = await loadDocument(ctx, args.documentId);
      return { ...presentDocument(document), content: document.content };
    },
  }),
  defineTool({
    name: 'mcp_list_documents',
    description: 'List a project’s documents (without content), most recently updated first, optionally by type or a text contained in title/content. Returns {project_id,documents:[{id,title,type,version,…}],count,total}.',
    profile: 'standard',
    inputSchema: {
      projectId: idArg('Project id; optional when the connection is bound to a project').optional(),
      type: documentType.optional().describe('Only documents of this type'),
      elementId: idArg('Only documents linked to this element').optional(),
      featureId: idArg('Only documents linked to this feature').optional(),
      search: z.string().min(1).max(200).optional().describe('Text the title or content contains'),
      limit: z.number().int().min(1).max(LIST_LIMIT_MAX).default(100).describe('Maximum documents returned'),
    },
    annotations: { readOnlyHint: true },
    async handler(ctx, args) {
      const projectId = projectIdFor(ctx, args.projectId);
      const page = await listProjectDocumentSummaries(
        ctx,
        projectId,
        { type: args.type, elementId: args.elementId, featureId: args.featureId, search: args.search },
        { page: 1, pageSize: args.limit, offset: 0 },
      );
      const documents = page.items.map(({ id, title, type, version, elementId, featureId, updatedAt }) => ({
        id,
        title,
        type,
        version,
        element_id: elementId,
        feature_id: featureId,
        updated_at: updatedAt,
      }));
      return { project_id: projectId, documents, count: documents.length, total: page.total };
    },
  }),
  defineTool({
    name: 'mcp_create_document',
    description:
      'Write a new project document (markdown): decisions as `adr`, limits as `constraints` (both show up in the resume context), `architecture`, `domain`, `runbook`, `ai_instructions`, `notes`. Link it to an element, a feature, or a todo (it is then linked to that todo’s element). Returns the document without content.',
    profile: 'standard',
    inputSchema: {
      projectId: idArg('Project id; optional when the connection is bound to a project').optional(),
      type: documentType,
      title: z.string().min(1).max(255),
      content: z.string().max(CONTENT_MAX_CHARS).describe('Markdown'),
      elementId: idArg('Element to link the document to').optional(),
      featureId: idArg('Feature to link the document to').optional(),
      todoId: idArg('Todo whose element the document is linked to (when elementId is not given)').optional(),
      tags: z.array(z.string().min(1).max(50)).max(50).optional(),
    },
    annotations: { readOnlyHint: false, destructiveHint: false },
    async handler(ctx, args) {
      const projectId = projectIdFor(ctx, args.projectId);
      let elementId = args.elementId;
      if (args.todoId) {
        const todo = await getTodo(ctx, args.todoId);
        if (todo.projectId !== projectId) throw new RuleViolation(`Todo ${args.todoId} is not in this project`);
        elementId ??= todo.elementId;
      }
      const document = await createDocument(ctx, {
        projectId,
        type: args.type,
        title: args.title,
        content: args.content,
        elementId,
        featureId: args.featureId,
        tags: args.tags,
      });
      return { ...presentDocument(document), todo_id: args.todoId ?? null };
    },
  }),
  defineTool({
    name: 'mcp_update_document',
    description: 'Change a document’s title, content or tags (fields left out stay). The version goes up when the content changes. Returns the document without content.',
    profile: 'standard',
    inputSchema: {
      documentId: idArg('Document id'),
      title: z.string().min(1).max(255).optional(),
      content: z.string().max(CONTENT_MAX_CHARS).optional().describe('The whole new markdown content'),
      tags: z.array(z.string().min(1).max(50)).max(50).optional(),
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    async handler(ctx, args) {
      await loadDocument(ctx, args.documentId);
      const document = await updateDocument(ctx, args.documentId, { title: args.title, content: args.content, tags: args.tags });
      return presentDocument(document);
    },
  }),
];
