import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, type GetPromptResult, McpError } from '@modelcontextprotocol/sdk/types.js';
import { DomainError } from '../domain/errors.js';
import { getFeature, listFeatureTodos } from '../domain/features/service.js';
import { buildResumeContext } from '../domain/projects/resume-context.js';
import { getTodo } from '../domain/todos/queries.js';
import { RULES_FILE_PATH } from './rules-generator.js';
import { firstPage } from './tools/present.js';
import { idArg, projectIdFor } from './tools/project-scope.js';
import type { McpContextSource } from './tools/types.js';

/**
 * Prompts: ready-made starts for the three moments of the agent workflow
 * (reference/mcp.md §5), filled with the live state so the agent can act at once.
 * Prompt arguments are strings by the protocol; ids are checked like tool arguments.
 */

const FEATURE_TODOS_MAX = 100;

export function registerPrompts(server: McpServer, contextOf: McpContextSource): void {
  server.registerPrompt(
    'resume_work',
    {
      title: 'Resume work',
      description: 'Pick up a project where the last session left it: last summary, next todos, blockers, constraints, and the session workflow.',
      argsSchema: { projectId: idArg('Project id (optional when the connection is bound to a project)').optional() },
    },
    (args, request) =>
      prompting(async () => {
        const ctx = await contextOf(request);
        const resume = await buildResumeContext(ctx, projectIdFor(ctx, args.projectId));
        const lines = [
          `Resume work on the InTracker project "${resume.project.name}" (${resume.project.id}, ${resume.project.status}).`,
          '',
          resume.last ? `Last session summary:\n${resume.last.session_summary ?? '(none)'}` : 'There is no earlier session.',
          '',
          'Next todos, ranked for you (id · status · version · title):',
          ...listOr(resume.now.next_todos.map((todo) => `- ${todo.id} · ${todo.status} · v${todo.version} · ${todo.title}${todo.blocked ? ' (blocked)' : ''}`)),
          '',
          'Blocked todos:',
          ...listOr(resume.next_blockers.map((todo) => `- ${todo.title}: ${todo.blocker_reason ?? `waits for ${todo.waiting_for.map((other) => other.title).join(', ')}`}`)),
          '',
          'Constraints and decisions to respect (read with mcp_get_document, on the standard and all tool profiles):',
          ...listOr(resume.constraints.map((document) => `- ${document.type}: ${document.title} (${document.id})`)),
          ...(resume.cursor_instructions ? ['', `Project instructions:\n${resume.cursor_instructions}`] : []),
          '',
          'Now:',
          `1. Refresh ${RULES_FILE_PATH} with mcp_load_cursor_rules.`,
          '2. mcp_start_session with your goal.',
          '3. Take a todo with mcp_claim_next_todo (or one above) and move it new → in_progress → done with mcp_update_todo_status, sending expectedVersion.',
          '4. mcp_end_session with a summary when you stop.',
        ];
        return userMessage(`Resume work on ${resume.project.name}`, lines);
      }),
  );

  server.registerPrompt(
    'start_feature',
    {
      title: 'Start a feature',
      description: 'Begin work on a feature: its todos with versions, the branch to use, and the feature workflow.',
      argsSchema: { featureId: idArg('Feature id') },
    },
    (args, request) =>
      prompting(async () => {
        const ctx = await contextOf(request);
        const feature = await getFeature(ctx, args.featureId);
        const todos = await listFeatureTodos(ctx, feature.id, {}, firstPage(FEATURE_TODOS_MAX));
        const slug = feature.name.toLowerCase().replace(/[\s_]+/g, '-').replace(/[^a-z0-9-]/g, '').slice(0, 50) || 'feature';
        const lines = [
          `Start work on the feature "${feature.name}" (${feature.id}), status ${feature.status}, ${feature.progressPercentage}% done.`,
          ...(feature.description ? ['', feature.description] : []),
          '',
          'Its todos (id · status · version · title):',
          ...listOr(todos.items.map((todo) => `- ${todo.id} · ${todo.status} · v${todo.version} · ${todo.title}`)),
          '',
          'Steps:',
          `1. Branch: \`git checkout -b feature/${slug} develop\` (or check out the existing one) and \`git push -u origin feature/${slug}\`.`,
          '2. Work the todos one by one: new → in_progress → done (mcp_update_todo_status with expectedVersion); add missing ones with mcp_create_todo and this featureId.',
          `3. Commit as \`type(scope): description [feature:${feature.id}]\`.`,
          '4. The feature becomes done when all its todos are; after testing set it tested, after the merge merged (mcp_update_feature_status).',
        ];
        return userMessage(`Start feature ${feature.name}`, lines);
      }),
  );

  server.registerPrompt(
    'finish_todo',
    {
      title: 'Finish a todo',
      description: 'Wrap up a todo: checks, commit, and the status change with the right version.',
      argsSchema: { todoId: idArg('Todo id') },
    },
    (args, request) =>
      prompting(async () => {
        const ctx = await contextOf(request);
        const todo = await getTodo(ctx, args.todoId);
        const lines = [
          `Finish the todo "${todo.title}" (${todo.id}), now ${todo.status}, version ${todo.version}.`,
          ...(todo.description ? ['', todo.description] : []),
          '',
          'Steps:',
          '1. Lint and run the tests; fix what fails.',
          '2. `git status` → `git diff` → `git add -A` → `git status`.',
          `3. Commit as \`type(scope): description${todo.featureId ? ` [feature:${todo.featureId}]` : ''}\` with the body line \`- [x] ${todo.title}\`, then \`git push\`.`,
          todo.status === 'new'
            ? `4. Move it to in_progress first (expectedVersion ${todo.version}), then to done with the version that call returns. Todos have no tested status.`
            : todo.status === 'in_progress'
              ? `4. mcp_update_todo_status to done with expectedVersion ${todo.version}. Todos have no tested status.`
              : '4. It is already done: nothing to change.',
          '5. Add the todo to your session with mcp_update_session (completedTodos).',
        ];
        return userMessage(`Finish todo ${todo.title}`, lines);
      }),
  );
}

function listOr(lines: string[]): string[] {
  return lines.length > 0 ? lines : ['- (none)'];
}

function userMessage(description: string, lines: string[]): GetPromptResult {
  return { description, messages: [{ role: 'user', content: { type: 'text', text: lines.join('\n') } }] };
}

async function prompting(build: () => Promise<GetPromptResult>): Promise<GetPromptResult> {
  try {
    return await build();
  } catch (error) {
    if (error instanceof DomainError) throw new McpError(ErrorCode.InvalidParams, error.message);
    throw error;
  }
}
