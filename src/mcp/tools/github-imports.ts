import { z } from 'zod';
import { importIssues, importMilestones } from '../../domain/github/imports.js';
import { oneOf } from './one-of.js';
import { idArg, projectIdFor } from './project-scope.js';
import { type ToolDefinition, defineTool } from './types.js';

/**
 * The GitHub import tools of reference/mcp.md §2.8: issues → todos, milestones →
 * features. They run inline (the agent wants the counts; the calls are all async),
 * through the same domain import as the REST background jobs.
 */

const projectArg = idArg('Project id; optional when the connection is bound to a project').optional();
const writeHints = { readOnlyHint: false, destructiveHint: false, idempotentHint: true } as const;

const common = {
  success: z.boolean(),
  project_id: z.string(),
  todos_created: z.number(),
  todos_updated: z.number(),
  truncated: z.boolean().describe('true when more than 2000 items matched: only the first 2000 were read'),
  message: z.string(),
};

const IssueImportOutput = z.looseObject({
  ...common,
  todos_unchanged: z.number(),
  elements_created: z.number(),
  todos: z.array(z.looseObject({ id: z.string(), title: z.string(), status: z.string(), github_issue_number: z.number().nullable() })),
  elements: z.array(z.looseObject({ id: z.string(), title: z.string(), type: z.string() })),
});

const MilestoneImportOutput = z.looseObject({
  ...common,
  features_created: z.number(),
  features_updated: z.number(),
  features: z.array(
    z.looseObject({ id: z.string(), name: z.string(), status: z.string(), github_milestone_number: z.number(), todos_created: z.number(), todos_updated: z.number() }),
  ),
});

export const githubImportTools: ToolDefinition[] = [
  defineTool({
    name: 'mcp_import_github_issues',
    description:
      'Import the connected repository’s issues as todos (open ones by default; `labels`: only issues with all of them), using your GitHub account. ' +
      'Idempotent by issue number: new issues become todos (on the first root module, or a new "GitHub Issues" module), changed ones update ' +
      'their todo (title, description, open/done), unchanged ones are left alone. Pull requests are skipped. Answers the counts.',
    profile: 'all',
    inputSchema: {
      projectId: projectArg,
      labels: z.array(z.string().min(1).max(50)).max(20).optional(),
      state: oneOf(['open', 'closed', 'all']).optional(),
      createElements: z.boolean().optional(),
    },
    outputSchema: IssueImportOutput,
    annotations: writeHints,
    handler: (ctx, args) =>
      importIssues(ctx, projectIdFor(ctx, args.projectId), { labels: args.labels, state: args.state, createElements: args.createElements }),
  }),
  defineTool({
    name: 'mcp_import_github_milestones',
    description:
      'Import the connected repository’s milestones (open by default) as features and their issues (all states) as todos linked to them. ' +
      'Idempotent by milestone and issue number; feature progress is recounted. Answers the counts per feature.',
    profile: 'all',
    inputSchema: { projectId: projectArg, state: oneOf(['open', 'closed', 'all']).optional() },
    outputSchema: MilestoneImportOutput,
    annotations: writeHints,
    handler: (ctx, args) => importMilestones(ctx, projectIdFor(ctx, args.projectId), { state: args.state }),
  }),
];
