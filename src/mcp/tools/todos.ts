import { z } from 'zod';
import { oneOf } from './one-of.js';
import { TODO_PRIORITIES, TODO_STATUSES } from '../../domain/enums.js';
import { DEFAULT_CLAIM_MINUTES, MAX_CLAIM_MINUTES, claimNextTodo, claimTodo, releaseTodo } from '../../domain/todos/claims.js';
import { getTodo, listTodos } from '../../domain/todos/queries.js';
import { assignTodo, createTodo, deleteTodo, setTodoStatus, updateTodo } from '../../domain/todos/service.js';
import { projectIdFor, uuidArg } from './project-scope.js';
import { firstPage, presentTodo } from './present.js';
import { type ToolDefinition, defineTool } from './types.js';
import { AgentTodo } from './output.js';

const uuid = uuidArg;
const todoId = uuid().describe('Todo UUID');
const expectedVersion = z.number().int().min(1).optional().describe('The version you last saw; a stale one is refused with current_version');
const LIST_CAP = 1000;

const createTodoTool = defineTool({
  name: 'mcp_create_todo',
  description:
    "Create a todo (status new). Give elementId, or projectId to use the project's Default element. Write in the team's language.",
  profile: 'core',
  inputSchema: {
    title: z.string().min(1).max(255),
    elementId: uuid().optional(),
    projectId: uuid().optional(),
    description: z.string().max(20_000).optional(),
    featureId: uuid().optional(),
    priority: oneOf(TODO_PRIORITIES).default('medium'),
    blockedBy: z.array(uuid()).max(50).optional().describe('Todo ids this one waits for'),
  },
  outputSchema: AgentTodo,
  annotations: { readOnlyHint: false, destructiveHint: false },
  async handler(ctx, args) {
    const projectId = args.projectId ?? ctx.scope.projectId;
    const todo = await createTodo(ctx, { ...args, projectId });
    return presentTodo(todo);
  },
});

const updateTodoStatus = defineTool({
  name: 'mcp_update_todo_status',
  description:
    'Move a todo new → in_progress → done (no skipping; moving back is allowed). Pass expectedVersion. Renews your claim; done releases it.',
  profile: 'core',
  inputSchema: { todoId, status: oneOf(TODO_STATUSES), expectedVersion },
  outputSchema: AgentTodo,
  annotations: { readOnlyHint: false, destructiveHint: false },
  async handler(ctx, args) {
    return presentTodo(await setTodoStatus(ctx, args.todoId, args.status, args.expectedVersion));
  },
});

const listTodosTool = defineTool({
  name: 'mcp_list_todos',
  description: 'Todos of a project in board order (new, in_progress, done), optionally by status, feature or assignee.',
  profile: 'standard',
  inputSchema: {
    projectId: uuid().optional(),
    status: oneOf(TODO_STATUSES).optional(),
    featureId: uuid().optional(),
    userId: uuid().optional().describe('Assignee'),
    limit: z.number().int().min(1).max(LIST_CAP).default(200),
  },
  outputSchema: z.object({ project_id: z.string(), todos: z.array(AgentTodo), count: z.number(), total: z.number() }),
  annotations: { readOnlyHint: true },
  async handler(ctx, args) {
    const projectId = projectIdFor(ctx, args.projectId);
    const page = await listTodos(
      ctx,
      { projectId, status: args.status, featureId: args.featureId, assignedTo: args.userId },
      firstPage(args.limit),
    );
    return { project_id: projectId, todos: page.items.map(presentTodo), count: page.items.length, total: page.total };
  },
});

const assignTodoTool = defineTool({
  name: 'mcp_assign_todo',
  description: 'Assign a todo to a team member (user id from mcp_get_team), or userId null to unassign.',
  profile: 'standard',
  inputSchema: { todoId, userId: uuid().nullable(), expectedVersion },
  outputSchema: AgentTodo,
  annotations: { readOnlyHint: false, destructiveHint: false },
  async handler(ctx, args) {
    return presentTodo(await assignTodo(ctx, args.todoId, args.userId, args.expectedVersion));
  },
});

const linkTodoToFeature = defineTool({
  name: 'mcp_link_todo_to_feature',
  description: 'Link a todo to a feature of its project, or featureId null to unlink. Feature progress is recomputed.',
  profile: 'standard',
  inputSchema: { todoId, featureId: uuid().nullable(), expectedVersion },
  outputSchema: AgentTodo,
  annotations: { readOnlyHint: false, destructiveHint: false },
  async handler(ctx, args) {
    return presentTodo(await updateTodo(ctx, args.todoId, { featureId: args.featureId }, args.expectedVersion, 'todo.feature_linked'));
  },
});

const deleteTodoTool = defineTool({
  name: 'mcp_delete_todo',
  description: 'Delete a todo for good (todos waiting for it stop waiting). Ask the user first.',
  profile: 'standard',
  inputSchema: { todoId },
  outputSchema: z.object({ success: z.literal(true), deleted_todo_id: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true },
  async handler(ctx, args) {
    await deleteTodo(ctx, args.todoId);
    return { success: true, deleted_todo_id: args.todoId };
  },
});

const claimNext = defineTool({
  name: 'mcp_claim_next_todo',
  description:
    `Take the next todo to work on: atomically claims the best new, unblocked todo nobody else holds (or the given todoId), for leaseMinutes (default ${DEFAULT_CLAIM_MINUTES}). Returns claimed:false when none is left.`,
  profile: 'core',
  inputSchema: {
    projectId: uuid().optional(),
    todoId: uuid().optional().describe('Claim this todo instead of the best one'),
    leaseMinutes: z.number().int().min(1).max(MAX_CLAIM_MINUTES).default(DEFAULT_CLAIM_MINUTES),
  },
  outputSchema: z.object({ claimed: z.boolean(), todo: AgentTodo.optional(), message: z.string().optional() }),
  annotations: { readOnlyHint: false, destructiveHint: false },
  async handler(ctx, args) {
    const projectId = projectIdFor(ctx, args.projectId);
    if (args.todoId) {
      const todo = await getTodo(ctx, args.todoId);
      if (todo.projectId !== projectId) return { claimed: false, message: 'That todo belongs to another project' };
      return { claimed: true, todo: presentTodo(await claimTodo(ctx, args.todoId, args.leaseMinutes)) };
    }
    const todo = await claimNextTodo(ctx, projectId, args.leaseMinutes);
    if (!todo) {
      return { claimed: false, message: 'No todo left to claim: every open todo is done, blocked, assigned to someone else or claimed. Create one or check mcp_get_resume_context.' };
    }
    return { claimed: true, todo: presentTodo(todo) };
  },
});

const releaseTodoTool = defineTool({
  name: 'mcp_release_todo',
  description: 'Give up your claim on a todo you will not finish, so another agent can take it.',
  profile: 'core',
  inputSchema: { todoId },
  outputSchema: AgentTodo,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(ctx, args) {
    return presentTodo(await releaseTodo(ctx, args.todoId));
  },
});

const addDependency = defineTool({
  name: 'mcp_add_todo_dependency',
  description: 'Record that a todo waits for another todo of the same project (refused if it would make a cycle).',
  profile: 'standard',
  inputSchema: { todoId, blockedByTodoId: uuid().describe('The todo that must be done first'), expectedVersion },
  outputSchema: AgentTodo,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(ctx, args) {
    const todo = await getTodo(ctx, args.todoId);
    if (todo.blockedBy.includes(args.blockedByTodoId)) return presentTodo(todo);
    const blockedBy = [...todo.blockedBy, args.blockedByTodoId];
    return presentTodo(await updateTodo(ctx, args.todoId, { blockedBy }, args.expectedVersion ?? todo.version, 'todo.dependency_added'));
  },
});

export const todoTools: ToolDefinition[] = [
  createTodoTool,
  updateTodoStatus,
  listTodosTool,
  assignTodoTool,
  linkTodoToFeature,
  deleteTodoTool,
  claimNext,
  releaseTodoTool,
  addDependency,
];
