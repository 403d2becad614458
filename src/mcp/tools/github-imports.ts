import { z } from 'zod';
import { getProject } from '../../domain/projects/service.js';
import { RuleViolation } from '../../domain/errors.js';
import { oneOf } from './one-of.js';
import { idArg, projectIdFor } from './project-scope.js';
import { type McpCallContext, type ToolDefinition, defineTool } from './types.js';

/** The GitHub import tools of reference/mcp.md §2.8: issues → todos, milestones → features. */

const projectArg = idArg('Project id; optional when the connection is bound to a project').optional();
const writeHints = { readOnlyHint: false, destructiveHint: false } as const;

async function viaProject(ctx: McpCallContext, projectId: string | undefined): Promise<never> {
  const project = await getProject(ctx, projectIdFor(ctx, projectId));
  throw new RuleViolation(`GitHub not connected: imports for project "${project.name}" are not available yet`);
}

export const githubImportTools: ToolDefinition[] = [
  defineTool({
    name: 'mcp_import_github_issues',
    description:
      'Import the repository’s issues as todos (open by default; optionally only some labels), creating elements as needed. Idempotent by issue number. Not available yet: answers "GitHub not connected".',
    profile: 'all',
    inputSchema: {
      projectId: projectArg,
      labels: z.array(z.string().min(1).max(50)).max(20).optional(),
      state: oneOf(['open', 'closed', 'all']).optional(),
      createElements: z.boolean().optional(),
    },
    annotations: writeHints,
    handler: (ctx, args) => viaProject(ctx, args.projectId),
  }),
  defineTool({
    name: 'mcp_import_github_milestones',
    description:
      'Import the repository’s milestones as features and their issues as todos. Idempotent by milestone and issue number. Not available yet: answers "GitHub not connected".',
    profile: 'all',
    inputSchema: { projectId: projectArg, state: oneOf(['open', 'closed', 'all']).optional() },
    annotations: writeHints,
    handler: (ctx, args) => viaProject(ctx, args.projectId),
  }),
];
