import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, type ListResourcesResult, McpError, type ReadResourceResult, type Resource } from '@modelcontextprotocol/sdk/types.js';
import type { ProjectRow } from '../domain/access.js';
import { type DocumentSummary, getDocument, listProjectDocumentSummaries } from '../domain/documents/service.js';
import { DomainError } from '../domain/errors.js';
import { isUuid } from '../domain/ids.js';
import { type FeatureRow, getFeature, listFeatureTodos, listProjectFeatures } from '../domain/features/service.js';
import { getProject, listProjects } from '../domain/projects/service.js';
import { RULES_FILE_PATH } from './rules-generator.js';
import { firstPage, presentFeature, presentProject } from './tools/present.js';
import { cursorRulesFor } from './tools/rules.js';
import type { McpCallContext, McpContextSource } from './tools/types.js';

/**
 * The resources of reference/mcp.md §3, scoped to the caller (the reference listed
 * every tenant's): their teams' non-archived projects, or only the bound project.
 * Each kind is a URI template whose list callback names the concrete resources, so
 * `resources/list` shows them and `resources/read` accepts any id the caller may see.
 */

const JSON_MIME = 'application/json';
const MARKDOWN_MIME = 'text/markdown';
/** Lists are capped: a client shows them to a person or an agent, not a crawler. */
const LIST_PROJECTS_MAX = 100;
const LIST_PER_PROJECT_MAX = 100;
const FEATURE_TODOS_MAX = 200;
/** These document types are read as their raw markdown; the others as JSON. */
const MARKDOWN_DOCUMENT_TYPES = new Set(['architecture', 'adr', 'runbook']);

export const RESOURCE_URIS = {
  project: (id: string) => `intracker://project/${id}`,
  cursorRules: (id: string) => `intracker://project/${id}/cursor-rules`,
  feature: (id: string) => `intracker://feature/${id}`,
  document: (id: string) => `intracker://document/${id}`,
};

export function registerResources(server: McpServer, contextOf: McpContextSource): void {
  server.registerResource(
    'project',
    new ResourceTemplate('intracker://project/{projectId}', { list: async (request) => listed(await contextOf(request), projectResources) }),
    { title: 'Project', description: 'A project: name, status, tags, cursor instructions, GitHub repository', mimeType: JSON_MIME },
    (uri, variables, request) =>
      reading(async () => {
        const ctx = await contextOf(request);
        const project = await getProject(ctx, variable(variables, 'projectId'));
        return json(uri, presentProject(project));
      }),
  );

  server.registerResource(
    'cursor-rules',
    new ResourceTemplate('intracker://project/{projectId}/cursor-rules', { list: async (request) => listed(await contextOf(request), cursorRulesResources) }),
    { title: 'Cursor rules', description: `The generated rules file for ${RULES_FILE_PATH}`, mimeType: MARKDOWN_MIME },
    (uri, variables, request) =>
      reading(async () => {
        const ctx = await contextOf(request);
        const project = await getProject(ctx, variable(variables, 'projectId'));
        const rules = await cursorRulesFor(ctx, project.id);
        return { contents: [{ uri: uri.href, mimeType: MARKDOWN_MIME, text: rules.content }] };
      }),
  );

  server.registerResource(
    'feature',
    new ResourceTemplate('intracker://feature/{featureId}', { list: async (request) => listed(await contextOf(request), featureResources) }),
    { title: 'Feature', description: 'A feature with its progress and its todos (each with its version)', mimeType: JSON_MIME },
    (uri, variables, request) =>
      reading(async () => {
        const ctx = await contextOf(request);
        const feature = await getFeature(ctx, variable(variables, 'featureId'));
        const todos = await listFeatureTodos(ctx, feature.id, {}, firstPage(FEATURE_TODOS_MAX));
        return json(uri, {
          ...presentFeature(feature),
          todos: todos.items.map((todo) => ({ id: todo.id, title: todo.title, status: todo.status, version: todo.version })),
        });
      }),
  );

  server.registerResource(
    'document',
    new ResourceTemplate('intracker://document/{documentId}', { list: async (request) => listed(await contextOf(request), documentResources) }),
    { title: 'Document', description: 'A project document: markdown for architecture, ADRs and runbooks; JSON otherwise' },
    (uri, variables, request) =>
      reading(async () => {
        const ctx = await contextOf(request);
        const document = await getDocument(ctx, variable(variables, 'documentId'));
        if (MARKDOWN_DOCUMENT_TYPES.has(document.type)) {
          return { contents: [{ uri: uri.href, mimeType: MARKDOWN_MIME, text: document.content }] };
        }
        return json(uri, { id: document.id, title: document.title, type: document.type, content: document.content, version: document.version });
      }),
  );
}

/** The non-archived projects the caller may see: the bound one, or those of their teams. */
async function visibleProjects(ctx: McpCallContext): Promise<ProjectRow[]> {
  if (ctx.scope.projectId) {
    const project = await getProject(ctx, ctx.scope.projectId).catch(() => undefined);
    return project && project.status !== 'archived' ? [project] : [];
  }
  const page = await listProjects(ctx, {}, firstPage(LIST_PROJECTS_MAX));
  return page.items.filter((project) => project.status !== 'archived');
}

async function projectResources(ctx: McpCallContext): Promise<Resource[]> {
  return (await visibleProjects(ctx)).map((project) => ({
    uri: RESOURCE_URIS.project(project.id),
    name: project.name,
    description: project.description ?? `Project ${project.name}`,
    mimeType: JSON_MIME,
  }));
}

async function cursorRulesResources(ctx: McpCallContext): Promise<Resource[]> {
  return (await visibleProjects(ctx)).map((project) => ({
    uri: RESOURCE_URIS.cursorRules(project.id),
    name: `${project.name} cursor rules`,
    description: `Generated rules for ${RULES_FILE_PATH}`,
    mimeType: MARKDOWN_MIME,
  }));
}

async function featureResources(ctx: McpCallContext): Promise<Resource[]> {
  const perProject = await Promise.all(
    (await visibleProjects(ctx)).map((project) => listProjectFeatures(ctx, project.id, { sort: 'updated_at_desc' }, firstPage(LIST_PER_PROJECT_MAX))),
  );
  return perProject
    .flatMap((page) => page.items)
    .filter((feature: FeatureRow) => feature.status !== 'merged')
    .map((feature) => ({
      uri: RESOURCE_URIS.feature(feature.id),
      name: feature.name,
      description: `${feature.description ?? feature.name} (${feature.progressPercentage}% complete)`,
      mimeType: JSON_MIME,
    }));
}

async function documentResources(ctx: McpCallContext): Promise<Resource[]> {
  const perProject = await Promise.all(
    (await visibleProjects(ctx)).map((project) => listProjectDocumentSummaries(ctx, project.id, {}, firstPage(LIST_PER_PROJECT_MAX))),
  );
  return perProject
    .flatMap((page) => page.items)
    .map((document: DocumentSummary) => ({
      uri: RESOURCE_URIS.document(document.id),
      name: document.title,
      description: `${document.type} (v${document.version})`,
      mimeType: MARKDOWN_DOCUMENT_TYPES.has(document.type) ? MARKDOWN_MIME : JSON_MIME,
    }));
}

async function listed(ctx: McpCallContext, list: (ctx: McpCallContext) => Promise<Resource[]>): Promise<ListResourcesResult> {
  return { resources: await list(ctx) };
}

/** Domain failures (unknown or invisible ids, malformed ids) as MCP errors with their message. */
async function reading(read: () => Promise<ReadResourceResult>): Promise<ReadResourceResult> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof DomainError) throw new McpError(ErrorCode.InvalidParams, error.message);
    throw error;
  }
}


/** One template variable as a well-formed id; anything else reads like an unknown resource. */
function variable(variables: Record<string, string | string[]>, name: string): string {
  const value = variables[name];
  const text = Array.isArray(value) ? value[0] : value;
  if (!text || !isUuid(text)) throw new McpError(ErrorCode.InvalidParams, `Unknown resource URI: ${name} must be an id`);
  return text;
}

function json(uri: URL, value: unknown): ReadResourceResult {
  return { contents: [{ uri: uri.href, mimeType: JSON_MIME, text: JSON.stringify(value) }] };
}
