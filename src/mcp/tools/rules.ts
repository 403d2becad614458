import { z } from 'zod';
import type { ProjectRow } from '../../domain/access.js';
import { RuleViolation } from '../../domain/errors.js';
import { isUuid } from '../../domain/ids.js';
import { buildResumeContext } from '../../domain/projects/resume-context.js';
import { getProject, listProjects } from '../../domain/projects/service.js';
import { getTeam } from '../../domain/teams/service.js';
import { RULES_FILE_PATH, generateCursorRules, rulesLanguage } from '../rules-generator.js';
import { idArg, projectIdFor } from './project-scope.js';
import { type McpCallContext, type ToolDefinition, defineTool } from './types.js';

/**
 * Workflow tools. Over HTTP the server never touches its own filesystem for the agent
 * (DECISIONS.md "MCP"): the agent says what it knows (project id, path, git remote,
 * the content of `.intracker/config.json`) and writes the rules file itself.
 */

export interface GeneratedRules {
  project: ProjectRow;
  language: 'en' | 'hu';
  content: string;
}

/** The rules file for a project the caller may read, in its team's language. */
export async function cursorRulesFor(ctx: McpCallContext, projectId: string, customInstructions?: string): Promise<GeneratedRules> {
  const project = await getProject(ctx, projectId);
  const team = await getTeam(ctx, project.teamId);
  const language = rulesLanguage(team.language);
  const content = generateCursorRules(project, { language, customInstructions, generatedAt: new Date() });
  return { project, language, content };
}

const WRITE_INSTRUCTIONS = `Write \`content\` to ${RULES_FILE_PATH} in the project root (create the folders), replacing the file if it exists.`;

export const WORKFLOW_CHECKLIST = [
  'Identified the project (mcp_enforce_workflow / .intracker/config.json).',
  `Rules file current: mcp_load_cursor_rules, written to ${RULES_FILE_PATH}.`,
  'Read the resume context: last session, next todos, blockers, constraints.',
  'Started a session with your goal (mcp_start_session).',
  'Picked a todo (mcp_claim_next_todo or next_todos) and moved it new → in_progress, sending expectedVersion.',
  'Checked the git branch: feature/<slug> for feature work, develop otherwise; never main/master.',
  'Implemented, linted and tested; committed as type(scope): description [feature:id] and pushed.',
  'Moved the todo in_progress → done (todos have no tested status); features go done → tested → merged.',
  'Ended the session with a summary (mcp_end_session).',
];

const PROJECT_SCAN_PAGE = 100;
const PROJECT_SCAN_MAX_PAGES = 20;

interface ProjectHints {
  projectId?: string | undefined;
  configJson?: string | undefined;
  gitRemoteUrl?: string | undefined;
  path?: string | undefined;
}

/** `github.com/owner/repo` in lower case from https, ssh or scp-style remotes; undefined otherwise. */
export function normalizeGitRemote(url: string): string | undefined {
  const match = /^(?:[a-z+]+:\/\/)?(?:[^@/]+@)?([^/:]+)[/:](?:\d+\/)?([^/]+)\/([^/]+?)(?:\.git)?\/?$/i.exec(url.trim());
  if (!match) return undefined;
  return `${match[1]}/${match[2]}/${match[3]}`.toLowerCase();
}

function projectIdFromConfig(configJson: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(configJson);
  } catch {
    throw new RuleViolation('configJson is not valid JSON: pass the content of .intracker/config.json, e.g. {"project_id": "…"}');
  }
  const record = (parsed ?? {}) as Record<string, unknown>;
  const id = record.project_id ?? record.projectId;
  if (!isUuid(id)) {
    throw new RuleViolation('configJson has no valid "project_id": expected {"project_id": "<uuid>"}');
  }
  return id;
}

async function visibleProjects(ctx: McpCallContext): Promise<ProjectRow[]> {
  if (ctx.scope.projectId) return [await getProject(ctx, ctx.scope.projectId)];
  const all: ProjectRow[] = [];
  for (let page = 1; page <= PROJECT_SCAN_MAX_PAGES; page += 1) {
    const found = await listProjects(ctx, {}, { page, pageSize: PROJECT_SCAN_PAGE, offset: (page - 1) * PROJECT_SCAN_PAGE });
    all.push(...found.items);
    if (all.length >= found.total || found.items.length === 0) break;
  }
  return all;
}

/**
 * The project the agent is working on, from the strongest hint to the weakest:
 * explicit or bound id, the config file's id, the git remote, the folder name.
 */
export async function identifyProject(ctx: McpCallContext, hints: ProjectHints): Promise<{ project: ProjectRow; method: string }> {
  if (hints.projectId !== undefined || (ctx.scope.projectId && !hints.configJson)) {
    return { project: await getProject(ctx, projectIdFor(ctx, hints.projectId)), method: hints.projectId ? 'projectId' : 'bound project' };
  }
  if (hints.configJson) {
    return { project: await getProject(ctx, projectIdFor(ctx, projectIdFromConfig(hints.configJson))), method: '.intracker/config.json' };
  }
  const tried: string[] = [];
  const candidates = hints.gitRemoteUrl || hints.path ? await visibleProjects(ctx) : [];
  if (hints.gitRemoteUrl) {
    tried.push(`git remote ${hints.gitRemoteUrl}`);
    const remote = normalizeGitRemote(hints.gitRemoteUrl);
    const matches = remote ? candidates.filter((project) => project.githubRepoUrl && normalizeGitRemote(project.githubRepoUrl) === remote) : [];
    if (matches.length === 1) return { project: matches[0]!, method: 'git remote' };
    if (matches.length > 1) throw ambiguous(matches);
  }
  if (hints.path) {
    const folder = hints.path.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '';
    tried.push(`folder name "${folder}"`);
    const matches = candidates.filter((project) => folder !== '' && project.name.toLowerCase() === folder.toLowerCase());
    if (matches.length === 1) return { project: matches[0]!, method: 'project name match' };
    if (matches.length > 1) throw ambiguous(matches);
  }
  const what = tried.length > 0 ? `tried ${tried.join(', ')}` : 'no projectId, configJson, gitRemoteUrl or path given';
  throw new RuleViolation(
    `No project found (${what}). Pass projectId, or the content of .intracker/config.json as configJson; mcp_list_projects shows your projects. Ask the user before creating one.`,
  );
}

function ambiguous(matches: ProjectRow[]): RuleViolation {
  const list = matches.map((project) => `${project.name} (${project.id})`).join(', ');
  return new RuleViolation(`Several projects match: ${list}. Call again with projectId.`);
}

const hintArgs = {
  projectId: idArg('Project id, if you know it (from .intracker/config.json)').optional(),
  configJson: z.string().max(10_000).optional().describe('Content of .intracker/config.json'),
  gitRemoteUrl: z.string().max(500).optional().describe('Output of `git remote get-url origin`'),
  path: z.string().max(1000).optional().describe('Workspace folder path (its last segment is matched to project names)'),
};

export const rulesTools: ToolDefinition[] = [
  defineTool({
    name: 'mcp_load_cursor_rules',
    description: `The project's Cursor rules (workflows, tool usage, git rules) in the team's language. The server writes nothing: save the returned \`content\` to ${RULES_FILE_PATH} yourself.`,
    profile: 'core',
    inputSchema: {
      projectId: idArg('Project id; optional when the connection is bound to a project').optional(),
      customInstructions: z.string().max(20_000).optional().describe('Use instead of the project’s stored cursor instructions'),
    },
    annotations: { readOnlyHint: true },
    async handler(ctx, args) {
      const rules = await cursorRulesFor(ctx, projectIdFor(ctx, args.projectId), args.customInstructions);
      return {
        project_id: rules.project.id,
        language: rules.language,
        target_path: RULES_FILE_PATH,
        instructions: WRITE_INSTRUCTIONS,
        content: rules.content,
      };
    },
  }),
  defineTool({
    name: 'mcp_enforce_workflow',
    description:
      'Call FIRST in every session. Finds your project from projectId, .intracker/config.json content, git remote URL or folder path, and returns where to pick up: last session, next todos for you (with versions), blockers, constraints, active elements, workflow checklist. Then call mcp_load_cursor_rules.',
    profile: 'core',
    inputSchema: hintArgs,
    annotations: { readOnlyHint: true },
    async handler(ctx, args) {
      const { project, method } = await identifyProject(ctx, args);
      const resume = await buildResumeContext(ctx, project.id);
      return {
        workflow_enforced: true,
        method,
        project: { id: project.id, name: project.name, description: project.description, status: project.status },
        last_session: resume.last,
        next_todos: resume.now.next_todos,
        active_elements: resume.now.active_elements,
        immediate_goals: resume.now.immediate_goals,
        blockers: resume.next_blockers,
        constraints: resume.constraints,
        cursor_instructions: resume.cursor_instructions,
        workflow_checklist: WORKFLOW_CHECKLIST,
        cursor_rules: { target_path: RULES_FILE_PATH, how: 'call mcp_load_cursor_rules and write its content there' },
        reminder: 'Todos: new → in_progress → done (send expectedVersion). Features: new → in_progress → done → tested → merged.',
      };
    },
  }),
];
