import { z } from 'zod';
import { oneOf } from './one-of.js';
import { SEARCHABLE_TYPES, search } from '../../domain/search/service.js';
import { idArg } from './project-scope.js';
import { type ToolDefinition, defineTool } from './types.js';

/** Full-text search over todos, features and documents (DECISIONS.md "MCP", new tools). */

export const searchTools: ToolDefinition[] = [
  defineTool({
    name: 'mcp_search',
    description:
      'Full-text search over todos, features and documents of one project (or, without a project, of all your teams’ projects). Web-search syntax: words, "exact phrase", or, -exclude. Use it before creating a todo or document, to find existing ones. Returns ranked hits {type,id,project_id,title,snippet} with matches in **bold**.',
    profile: 'standard',
    inputSchema: {
      query: z.string().trim().min(1).max(500),
      projectId: idArg('Only this project (the bound project by default)').optional(),
      types: z.array(oneOf(SEARCHABLE_TYPES)).max(3).optional().describe('Only these kinds (default: all three)'),
      limit: z.number().int().min(1).max(50).default(10),
    },
    annotations: { readOnlyHint: true },
    async handler(ctx, args) {
      // A bound scope searches its project only; other ids answer like unknown ones (domain/access.ts).
      const found = await search(ctx, { query: args.query, projectId: args.projectId, types: args.types, limit: args.limit });
      return {
        results: found.results.map((hit) => ({ type: hit.type, id: hit.id, project_id: hit.projectId, title: hit.title, snippet: hit.snippet })),
        count: found.results.length,
        total: found.total,
      };
    },
  }),
];
