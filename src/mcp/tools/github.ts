import { z } from 'zod';
import type { ProjectRow } from '../../domain/access.js';
import { loadElement } from '../../domain/elements/service.js';
import { RuleViolation } from '../../domain/errors.js';
import { getFeature } from '../../domain/features/service.js';
import { getProject } from '../../domain/projects/service.js';
import { getTodo } from '../../domain/todos/queries.js';
import { idArg, projectIdFor } from './project-scope.js';
import { type McpCallContext, type ToolDefinition, defineTool } from './types.js';

/**
 * The GitHub tools of reference/mcp.md §2.6, under their names and parameters. The
 * GitHub integration is a later piece of work: until then each tool checks that the
 * caller may see what it names (404 like everywhere else), then answers a clean
 * "GitHub not connected" error the agent can act on. `mcp_parse_commit_message`
 * needs no GitHub and works.
 */

const NOT_AVAILABLE =
  'this server has no GitHub integration yet. Use git directly (branch, commit, push) and track the work with todos and features; link pull requests later.';

function notConnected(project: ProjectRow): never {
  const reason = project.githubRepoUrl
    ? `${NOT_AVAILABLE} (repository on record: ${project.githubRepoUrl})`
    : `project "${project.name}" has no GitHub repository connected, and ${NOT_AVAILABLE}`;
  throw new RuleViolation(`GitHub not connected: ${reason}`);
}

async function viaProject(ctx: McpCallContext, projectId: string | undefined): Promise<never> {
  notConnected(await getProject(ctx, projectIdFor(ctx, projectId)));
}

async function viaFeature(ctx: McpCallContext, featureId: string): Promise<never> {
  const feature = await getFeature(ctx, featureId);
  notConnected(await getProject(ctx, feature.projectId));
}

async function viaTodo(ctx: McpCallContext, todoId: string): Promise<never> {
  const todo = await getTodo(ctx, todoId);
  notConnected(await getProject(ctx, todo.projectId));
}

async function viaElement(ctx: McpCallContext, elementId: string): Promise<never> {
  const { project } = await loadElement(ctx, elementId, 'read');
  notConnected(project);
}

const projectArg = idArg('Project id; optional when the connection is bound to a project').optional();
const positiveInt = z.number().int().min(1).max(10_000_000);
const writeHints = { readOnlyHint: false, destructiveHint: false } as const;

const WORD_CHAR = /^[A-Za-z0-9_]$/;
const FEATURE_TAG = '[feature:';

/**
 * `type(scope): description [feature:id]`, the commit format the rules ask for, read
 * by hand in one pass over the first line. A regex with a lazy description followed by
 * optional blanks (`:\s*(.+?)(?:\s*\[feature:…\])?$`) backtracked quadratically on
 * long runs of blanks: a 20 kB line held the event loop for a third of a second.
 */
export function parseCommitMessage(message: string) {
  const newline = message.indexOf('\n');
  const firstLine = (newline === -1 ? message : message.slice(0, newline)).trim();
  return parseConventional(firstLine) ?? { type: null, scope: null, description: firstLine, feature_id: null, format: 'simple' as const };
}

function parseConventional(line: string) {
  let at = 0;
  while (at < line.length && WORD_CHAR.test(line[at]!)) at += 1;
  if (at === 0) return undefined;
  const type = line.slice(0, at);
  let scope: string | null = null;
  if (line[at] === '(') {
    const close = line.indexOf(')', at + 1);
    if (close <= at + 1) return undefined; // no `)`, or an empty scope
    scope = line.slice(at + 1, close);
    at = close + 1;
  }
  if (line[at] !== ':') return undefined;
  const rest = line.slice(at + 1).trimStart();
  if (rest === '') return undefined;
  let description = rest;
  let featureId: string | null = null;
  const tag = rest.endsWith(']') ? rest.lastIndexOf(FEATURE_TAG) : -1;
  if (tag > 0) {
    const id = rest.slice(tag + FEATURE_TAG.length, -1);
    const before = rest.slice(0, tag).trimEnd();
    // The description needs a character of its own, and an id has no `]` in it.
    if (id !== '' && !id.includes(']') && before !== '') {
      description = before;
      featureId = id;
    }
  }
  return { type, scope, description, feature_id: featureId, format: 'conventional' as const };
}

export const githubTools: ToolDefinition[] = [
  defineTool({
    name: 'mcp_connect_github_repo',
    description: 'Connect a GitHub repository (owner/repo) to a project. Not available yet: answers "GitHub not connected".',
    profile: 'all',
    inputSchema: { projectId: projectArg, owner: z.string().min(1).max(100), repo: z.string().min(1).max(100) },
    annotations: writeHints,
    handler: (ctx, args) => viaProject(ctx, args.projectId),
  }),
  defineTool({
    name: 'mcp_get_repo_info',
    description: 'The project’s GitHub repository (name, default branch, visibility). Not available yet: answers "GitHub not connected".',
    profile: 'all',
    inputSchema: { projectId: projectArg },
    annotations: { readOnlyHint: true },
    handler: (ctx, args) => viaProject(ctx, args.projectId),
  }),
  defineTool({
    name: 'mcp_get_branch_info',
    description: 'Branches linked to the project or a feature, with ahead/behind counts and commits. Not available yet: answers "GitHub not connected".',
    profile: 'all',
    inputSchema: {
      projectId: projectArg,
      featureId: idArg('Only this feature’s branches').optional(),
      branchName: z.string().min(1).max(255).optional(),
      includeStatus: z.boolean().default(true),
      includeCommits: z.boolean().default(false),
    },
    annotations: { readOnlyHint: true },
    handler: (ctx, args) => (args.featureId ? viaFeature(ctx, args.featureId) : viaProject(ctx, args.projectId)),
  }),
  defineTool({
    name: 'mcp_link_element_to_issue',
    description: 'Link an element to a GitHub issue by number. Not available yet: answers "GitHub not connected".',
    profile: 'all',
    inputSchema: { elementId: idArg('Element id'), issueNumber: positiveInt },
    annotations: { ...writeHints, idempotentHint: true },
    handler: (ctx, args) => viaElement(ctx, args.elementId),
  }),
  defineTool({
    name: 'mcp_get_github_issue',
    description: 'One GitHub issue of the project’s repository. Not available yet: answers "GitHub not connected".',
    profile: 'all',
    inputSchema: { projectId: projectArg, issueNumber: positiveInt },
    annotations: { readOnlyHint: true },
    handler: (ctx, args) => viaProject(ctx, args.projectId),
  }),
  defineTool({
    name: 'mcp_create_github_issue',
    description: 'Open a GitHub issue in the project’s repository, optionally linked to an element. Not available yet: answers "GitHub not connected".',
    profile: 'all',
    inputSchema: {
      projectId: projectArg,
      title: z.string().min(1).max(255),
      body: z.string().max(65_536).optional(),
      labels: z.array(z.string().min(1).max(50)).max(20).optional(),
      elementId: idArg('Element to link the issue to').optional(),
    },
    annotations: writeHints,
    handler: (ctx, args) => viaProject(ctx, args.projectId),
  }),
  defineTool({
    name: 'mcp_link_todo_to_pr',
    description: 'Link a done todo to the pull request that implements it. Not available yet: answers "GitHub not connected".',
    profile: 'all',
    inputSchema: { todoId: idArg('Todo id (must be done)'), prNumber: positiveInt },
    annotations: { ...writeHints, idempotentHint: true },
    handler: (ctx, args) => viaTodo(ctx, args.todoId),
  }),
  defineTool({
    name: 'mcp_get_github_pr',
    description: 'One pull request of the project’s repository (state, merged, head/base). Not available yet: answers "GitHub not connected".',
    profile: 'all',
    inputSchema: { projectId: projectArg, prNumber: positiveInt },
    annotations: { readOnlyHint: true },
    handler: (ctx, args) => viaProject(ctx, args.projectId),
  }),
  defineTool({
    name: 'mcp_create_github_pr',
    description: 'Open a pull request from a branch (head) into base, optionally for a done todo. Not available yet: answers "GitHub not connected".',
    profile: 'all',
    inputSchema: {
      projectId: projectArg,
      title: z.string().min(1).max(255),
      head: z.string().min(1).max(255),
      body: z.string().max(65_536).optional(),
      base: z.string().min(1).max(255).default('main'),
      todoId: idArg('Done todo the pull request implements').optional(),
    },
    annotations: writeHints,
    handler: (ctx, args) => viaProject(ctx, args.projectId),
  }),
  defineTool({
    name: 'mcp_create_branch_for_feature',
    description: 'Create a feature/<name> branch on GitHub for a feature. Prefer creating the branch locally with git and mcp_link_branch_to_feature. Not available yet: answers "GitHub not connected".',
    profile: 'all',
    inputSchema: { featureId: idArg('Feature id'), baseBranch: z.string().min(1).max(255).default('main') },
    annotations: writeHints,
    handler: (ctx, args) => viaFeature(ctx, args.featureId),
  }),
  defineTool({
    name: 'mcp_link_branch_to_feature',
    description: 'Record that a git branch implements a feature. Not available yet: answers "GitHub not connected".',
    profile: 'all',
    inputSchema: { featureId: idArg('Feature id'), branchName: z.string().min(1).max(255) },
    annotations: { ...writeHints, idempotentHint: true },
    handler: (ctx, args) => viaFeature(ctx, args.featureId),
  }),
  defineTool({
    name: 'mcp_parse_commit_message',
    description:
      'Check a commit message against the project format `type(scope): description [feature:featureId]`. Returns {type,scope,description,feature_id,format:"conventional"} or format "simple" when the first line does not follow it.',
    profile: 'all',
    inputSchema: { commitMessage: z.string().min(1).max(20_000) },
    annotations: { readOnlyHint: true },
    handler: async (_ctx, args) => parseCommitMessage(args.commitMessage),
  }),
];
