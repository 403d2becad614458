import { z } from 'zod';
import { oneOf } from './one-of.js';
import { DOCUMENT_TYPES } from '../../domain/enums.js';
import { type DocumentSummary, createDocument, getDocument, listProjectDocumentSummaries, updateDocument } from '../../domain/documents/service.js';
import { presentDocument, presentDocumentSummary } from '../../domain/documents/presenter.js';
import { RuleViolation } from '../../domain/errors.js';
import { getTodo } from '../../domain/todos/queries.js';
import { forAgent } from './present.js';
import { AgentDocument, AgentDocumentSummary } from './output.js';
import { idArg, projectIdFor } from './project-scope.js';
import { type ToolDefinition, defineTool } from './types.js';

/** Project documents (reference/mcp.md §2.5): architecture notes, ADRs, constraints, runbooks. */

const documentType = oneOf(DOCUMENT_TYPES);
// Documents are markdown up to 5 MiB over REST; an agent's tool call is kept well below.
const CONTENT_MAX_CHARS = 1_000_000;
const LIST_LIMIT_MAX = 200;

// The shared presenter's document as an agent reads it; every write and listing answers
// the summary, so a body only ever reaches the agent through mcp_get_document.
const presentSummary = (document: DocumentSummary) => forAgent(presentDocumentSummary(document));

export const documentTools: ToolDefinition[] = [
  defineTool({
    name: 'mcp_get_document',
    description: 'Read one project document in full (markdown content). Use it for ADRs, constraints and architecture notes listed by mcp_list_documents or the resume context. Returns {id,title,type,content,version,…}.',
    profile: 'standard',
    inputSchema: { documentId: idArg('Document id') },
    outputSchema: AgentDocument,
    annotations: { readOnlyHint: true },
    async handler(ctx, args) {
      return forAgent(presentDocument(await getDocument(ctx, args.documentId)));
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
    outputSchema: z.object({ project_id: z.string(), documents: z.array(AgentDocumentSummary), count: z.number(), total: z.number() }),
    annotations: { readOnlyHint: true },
    async handler(ctx, args) {
      const projectId = projectIdFor(ctx, args.projectId);
      const page = await listProjectDocumentSummaries(
        ctx,
        projectId,
        { type: args.type, elementId: args.elementId, featureId: args.featureId, search: args.search },
        { page: 1, pageSize: args.limit, offset: 0 },
      );
      const documents = page.items.map(presentSummary);
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
    outputSchema: AgentDocumentSummary.extend({ todo_id: z.string().optional() }),
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
      return { ...presentSummary(document), ...(args.todoId && { todo_id: args.todoId }) };
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
    outputSchema: AgentDocumentSummary,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    async handler(ctx, args) {
      const document = await updateDocument(ctx, args.documentId, { title: args.title, content: args.content, tags: args.tags });
      return presentSummary(document);
    },
  }),
];
