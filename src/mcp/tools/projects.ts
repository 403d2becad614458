import { z } from 'zod';
import { oneOf } from './one-of.js';
import { PROJECT_STATUSES, TODO_STATUSES } from '../../domain/enums.js';
import { DomainError } from '../../domain/errors.js';
import { type TreeElement, getElementTree } from '../../domain/elements/tree.js';
import type { TreeNode } from '../../domain/elements/rules.js';
import { listProjectFeatures } from '../../domain/features/service.js';
import { type IdentifyMethod, identifyProject } from '../../domain/projects/identify.js';
import { buildResumeContext } from '../../domain/projects/resume-context.js';
import { createProject, getProject, listProjects, updateProject } from '../../domain/projects/service.js';
import { listAvailableTodos } from '../../domain/todos/claims.js';
import { listTodos } from '../../domain/todos/queries.js';
import { projectIdFor, uuidArg } from './project-scope.js';
import { compact, firstPage, presentFeature, presentProject, presentTodo, prune } from './present.js';
import { type McpCallContext, type ToolDefinition, defineTool } from './types.js';
import { AgentFeature, AgentProject, AgentTodo } from './output.js';

const uuid = uuidArg;
const projectId = uuid().optional().describe('Project id (default: the bound project)');
const LIST_CAP = 1000;

/**
 * domain/projects/resume-context.ts's answer, top level. Pruned (present.ts `prune`):
 * what is empty is left out, so everything but the project may be missing.
 */
const RESUME_CONTEXT = z.looseObject({
  project: z.looseObject({ id: z.string(), name: z.string(), status: z.string() }),
  last: z.looseObject({ session_id: z.string() }).optional(),
  now: z.looseObject({ next_todos: z.array(z.looseObject({ id: z.string(), version: z.number() })).optional() }).optional(),
  next_blockers: z.array(z.looseObject({ id: z.string() })).optional(),
  constraints: z.array(z.looseObject({ id: z.string() })).optional(),
  cursor_instructions: z.string().optional(),
});

class ProjectNotIdentified extends DomainError {
  readonly status = 404;
}

const IDENTIFY_METHOD: Record<IdentifyMethod, string> = {
  project_id: 'project id',
  bound_project: 'bound project',
  config: 'config.json',
  git_remote: 'git remote',
  folder_name: 'folder name',
};

/** Limits where 0 means "all" (capped, so one call cannot flood the context). */
const limit = (fallback: number) => z.number().int().min(0).max(LIST_CAP).default(fallback);
const all = (value: number) => (value === 0 ? LIST_CAP : value);

function readProject(ctx: McpCallContext, id: string | undefined) {
  return getProject(ctx, projectIdFor(ctx, id));
}

function presentTree(nodes: TreeNode<TreeElement>[]): unknown[] {
  return nodes.map(({ item, children }) =>
    compact({
      id: item.id,
      type: item.type,
      title: item.title,
      status: item.status,
      todos: item.todosCount > 0 ? `${item.todosDoneCount}/${item.todosCount}` : null,
      features: item.linkedFeatures,
      children: presentTree(children),
    }),
  );
}

const getProjectContext = defineTool({
  name: 'mcp_get_project_context',
  description:
    'A project: details, element tree, features, active todos and resume context; summaryOnly for counts only. Limits: 0 = all.',
  profile: 'core',
  inputSchema: {
    projectId,
    includeFeatures: z.boolean().default(true),
    includeTodos: z.boolean().default(true),
    includeStructure: z.boolean().default(true),
    includeResumeContext: z.boolean().default(true),
    featuresLimit: limit(20),
    todosLimit: limit(50),
    summaryOnly: z.boolean().default(false),
  },
  outputSchema: z.object({
    project: AgentProject,
    summary: z.object({ feature_count: z.number(), active_todo_count: z.number(), element_count: z.number() }).optional(),
    structure: z.array(z.looseObject({ id: z.string(), title: z.string() })).optional(),
    features: z.array(AgentFeature).optional(),
    features_total: z.number().optional(),
    active_todos: z.array(AgentTodo).optional(),
    active_todos_total: z.number().optional(),
    resume_context: z.looseObject({}).optional(), // described by mcp_get_resume_context's schema
  }),
  annotations: { readOnlyHint: true },
  async handler(ctx, args) {
    const project = await readProject(ctx, args.projectId);
    const head = presentProject(project);
    const [features, todos, tree] = await Promise.all([
      args.summaryOnly || args.includeFeatures ? listProjectFeatures(ctx, project.id, { sort: 'updated_at_desc' }, firstPage(all(args.featuresLimit))) : undefined,
      args.summaryOnly || args.includeTodos ? listTodos(ctx, { projectId: project.id }, firstPage(LIST_CAP)) : undefined,
      args.summaryOnly || args.includeStructure ? getElementTree(ctx, project.id) : undefined,
    ]);
    const active = todos?.items.filter((todo) => todo.status !== 'done') ?? [];
    if (args.summaryOnly) {
      const countElements = (nodes: TreeNode<TreeElement>[]): number => nodes.reduce((sum, node) => sum + 1 + countElements(node.children), 0);
      return { project: head, summary: { feature_count: features?.total ?? 0, active_todo_count: active.length, element_count: countElements(tree?.elements ?? []) } };
    }
    const shownTodos = active.slice(0, all(args.todosLimit));
    return compact({
      project: head,
      structure: tree ? presentTree(tree.elements) : null,
      features: features?.items.map(presentFeature) ?? null,
      features_total: features && features.total > features.items.length ? features.total : null,
      active_todos: todos ? shownTodos.map(presentTodo) : null,
      active_todos_total: active.length > shownTodos.length ? active.length : null,
      resume_context: args.includeResumeContext ? prune(await buildResumeContext(ctx, project.id)) : null,
    });
  },
});

const getResumeContext = defineTool({
  name: 'mcp_get_resume_context',
  description:
    'Where work stands for you: last session summary, next todos ranked for you (with version), blockers, constraints (ADRs), cursor instructions. Call it first.',
  profile: 'core',
  inputSchema: { projectId, userId: uuid().optional().describe('Ignored: always the API key user') },
  outputSchema: RESUME_CONTEXT,
  annotations: { readOnlyHint: true },
  async handler(ctx, args) {
    // Left-out fields, not nulls and empty lists: every character is read into the agent's context.
    return prune(await buildResumeContext(ctx, projectIdFor(ctx, args.projectId)));
  },
});

const getActiveTodos = defineTool({
  name: 'mcp_get_active_todos',
  description: 'Open todos (new, in_progress) of a project you can take, in board order; hides todos assigned to or claimed by others.',
  profile: 'core',
  inputSchema: {
    projectId,
    status: oneOf(TODO_STATUSES).optional(),
    featureId: uuid().optional(),
    userId: uuid().optional().describe('Only todos assigned to this user'),
  },
  outputSchema: z.object({ project_id: z.string(), todos: z.array(AgentTodo), count: z.number() }),
  annotations: { readOnlyHint: true },
  async handler(ctx, args) {
    const id = projectIdFor(ctx, args.projectId);
    const filters = { status: args.status, featureId: args.featureId, assignedTo: args.userId };
    const todos = await listAvailableTodos(ctx, id, filters, LIST_CAP);
    return { project_id: id, todos: todos.map(presentTodo), count: todos.length };
  },
});

const projectFields = {
  description: z.string().max(10_000).nullable().optional(),
  status: oneOf(PROJECT_STATUSES).optional(),
  tags: z.array(z.string().max(100)).max(50).optional(),
  technologyTags: z.array(z.string().max(100)).max(50).optional(),
  cursorInstructions: z.string().max(50_000).nullable().optional(),
  githubRepoUrl: z.url().max(500).nullable().optional(),
};

const createProjectTool = defineTool({
  name: 'mcp_create_project',
  description: 'Create a project in one of your teams (ask the user first). It comes with a "Default" element for todos.',
  profile: 'standard',
  inputSchema: { name: z.string().min(1).max(255), teamId: uuid().describe('From mcp_list_teams'), ...projectFields },
  outputSchema: AgentProject,
  annotations: { readOnlyHint: false, destructiveHint: false },
  async handler(ctx, args) {
    return presentProject(await createProject(ctx, args));
  },
});

const listProjectsTool = defineTool({
  name: 'mcp_list_projects',
  description: "List the projects of your teams, newest first (only the bound project when the key is scoped to one).",
  profile: 'core',
  inputSchema: { status: oneOf(PROJECT_STATUSES).optional(), teamId: uuid().optional() },
  outputSchema: z.object({ projects: z.array(AgentProject), count: z.number() }),
  annotations: { readOnlyHint: true },
  async handler(ctx, args) {
    const page = await listProjects(ctx, { status: args.status, teamId: args.teamId }, firstPage(LIST_CAP));
    return { projects: page.items.map(presentProject), count: page.items.length };
  },
});

const updateProjectTool = defineTool({
  name: 'mcp_update_project',
  description: 'Change a project (team leaders). Only the fields given change; null clears a text field.',
  profile: 'standard',
  inputSchema: { projectId, name: z.string().min(1).max(255).optional(), ...projectFields },
  outputSchema: AgentProject,
  annotations: { readOnlyHint: false, destructiveHint: false },
  async handler(ctx, args) {
    const { projectId: given, ...changes } = args;
    return presentProject(await updateProject(ctx, projectIdFor(ctx, given), changes));
  },
});

const identifyProjectTool = defineTool({
  name: 'mcp_identify_project_by_path',
  description:
    'Find your workspace project from what you know: .intracker/config.json content, git remote URL, workspace path (its folder name is matched to project names). The server reads no files.',
  profile: 'core',
  inputSchema: {
    path: z.string().min(1).max(4096),
    gitRemoteUrl: z.string().max(500).optional(),
    configJson: z.string().max(100_000).optional().describe('Content of .intracker/config.json'),
  },
  outputSchema: z.looseObject({ project_id: z.string().optional(), method: z.string(), path: z.string(), matches: z.array(AgentProject).optional() }),
  annotations: { readOnlyHint: true },
  async handler(ctx, args) {
    const found = await identifyProject(ctx, args);
    if (found.kind === 'found') return { ...presentProject(found.project), project_id: found.project.id, method: IDENTIFY_METHOD[found.method], path: args.path };
    if (found.kind === 'ambiguous') return { matches: found.matches.map(presentProject), method: `${IDENTIFY_METHOD[found.method]} (multiple)`, path: args.path };
    const tried = found.tried.map((hint) => IDENTIFY_METHOD[hint.method]);
    throw new ProjectNotIdentified(
      `No project matches (tried: ${tried.join(', ')}). Ask the user which project this is (mcp_list_projects), or create one (mcp_create_project) and write its id to .intracker/config.json as {"project_id": "…"}`,
      { tried_methods: tried, path: args.path },
    );
  },
});

export const projectTools: ToolDefinition[] = [
  getProjectContext,
  getResumeContext,
  getActiveTodos,
  createProjectTool,
  listProjectsTool,
  updateProjectTool,
  identifyProjectTool,
];
