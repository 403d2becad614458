import { z } from 'zod';
import { importElementStructure } from '../../domain/elements/import.js';
import { getProject } from '../../domain/projects/service.js';
import { analyzeCodebase } from '../codebase.js';
import { idArg, projectIdFor } from './project-scope.js';
import { type ToolDefinition, defineTool } from './types.js';

const projectArg = idArg('Project id; optional when the connection is bound to a project').optional();

/**
 * The import and analysis tools of reference/mcp.md §2.8 that need no GitHub. They
 * take what the agent sees in its checkout (a directory listing, manifest contents)
 * instead of reading the server's disk.
 */
export const codebaseTools: ToolDefinition[] = [
  defineTool({
    name: 'mcp_analyze_codebase',
    description:
      'Detect the tech stack (node, react, vue, python, fastapi) and the usual module folders from what you see in the repository root. ' +
      'Send the root entries (folders ending in "/") and the text of package.json, requirements.txt or pyproject.toml if present. Read-only.',
    profile: 'all',
    inputSchema: {
      projectId: projectArg,
      topLevelEntries: z.array(z.string().min(1).max(255)).max(1000),
      packageJson: z.string().max(200_000).optional(),
      requirementsTxt: z.string().max(200_000).optional(),
      pyprojectToml: z.string().max(200_000).optional(),
    },
    annotations: { readOnlyHint: true },
    handler: async (ctx, args) => {
      const project = await getProject(ctx, projectIdFor(ctx, args.projectId));
      return { project_id: project.id, ...analyzeCodebase(args) };
    },
  }),
  defineTool({
    name: 'mcp_parse_file_structure',
    description:
      'Create the project’s element tree from your checkout’s folders: send their relative paths ("src", "src/api", …); each folder up to maxDepth ' +
      '(default 3) becomes a module element, nested like the folders, titled from its name, described by the first 500 characters of its README if you send it. ' +
      'Hidden and ignored folders (node_modules, dist, …) are skipped; at most 200 elements. All or nothing: an entry with ".." or a folder name that gives no title refuses the whole import. ' +
      'Refused when the project already has root elements besides "Default".',
    profile: 'all',
    inputSchema: {
      projectId: projectArg,
      directories: z.array(z.string().min(1).max(500)).min(1).max(2000),
      readmes: z.record(z.string().max(500), z.string().max(100_000)).optional(),
      maxDepth: z.number().int().min(1).max(10).optional(),
      ignorePatterns: z.array(z.string().min(1).max(100)).max(100).optional(),
    },
    annotations: { readOnlyHint: false, destructiveHint: false },
    handler: async (ctx, args) => {
      const result = await importElementStructure(ctx, { ...args, projectId: projectIdFor(ctx, args.projectId) });
      if (result.kind === 'refused') {
        return { warning: 'The project already has an element structure; nothing was created.', existing_elements_count: result.existingElements };
      }
      return { success: true, project_id: result.projectId, elements_created: result.elements.length, elements: result.elements };
    },
  }),
];
