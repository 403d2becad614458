import { eq, inArray, or } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { todos } from '../../db/schema.js';
import type { ProjectRow } from '../access.js';
import type { MutationRecorder } from '../mutation.js';
import type { TodoRow } from '../todos/queries.js';
import { type GitHubTodoChanges, MovedWork, lockProjectTodos, refreshMoved, statusFollowing, todoDescriptionOf, todoTitleOf, writeTodoChange } from './import-todo-sync.js';

/**
 * What a GitHub event does to a project's todos (DECISIONS.md "GitHub"): a pull
 * request is linked to the todos whose `github_pr_number` is its number, and to the
 * todos imported from the issues its title or body closes (`Closes #12`, `Fixes #12`,
 * `Resolves #12`, any case, and GitHub's other forms of those words); an issue to the
 * todo imported from it.
 */

const CLOSING_REFERENCE = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b:?\s+#(\d{1,10})\b/gi;
const MAX_ISSUE_NUMBER = 2_147_483_647;

/** The issue numbers a pull request's title and body close. */
export function closingIssueNumbers(...texts: (string | null | undefined)[]): number[] {
  const numbers = new Set<number>();
  for (const text of texts) {
    if (!text) continue;
    for (const match of text.matchAll(CLOSING_REFERENCE)) {
      const number = Number(match[1]);
      if (number >= 1 && number <= MAX_ISSUE_NUMBER) numbers.add(number);
    }
  }
  return [...numbers];
}

export interface PullRequestFacts {
  number: number;
  htmlUrl: string | null;
  title: string | null;
  body: string | null;
}

export interface IssueFacts {
  number: number;
  title: string;
  body: string | null;
}

export type WebhookAction =
  | { kind: 'pull_request_merged'; pull: PullRequestFacts }
  | { kind: 'pull_request_linked'; pull: PullRequestFacts }
  | { kind: 'issue_edited'; issue: IssueFacts }
  | { kind: 'issue_state'; issue: IssueFacts; state: 'open' | 'closed' };

/** Applies the action to the project's linked todos, in the caller's transaction; answers how many changed. */
export async function applyWebhookAction(tx: Tx, record: MutationRecorder, actorId: string, project: ProjectRow, action: WebhookAction): Promise<number> {
  const moved = new MovedWork();
  let changed = 0;
  const write = async (todo: TodoRow, changes: GitHubTodoChanges) => {
    if (await writeTodoChange(tx, record, actorId, project, todo, changes, moved, 'todo.github_webhook')) changed += 1;
  };
  switch (action.kind) {
    case 'pull_request_merged': {
      const { pull } = action;
      const closes = closingIssueNumbers(pull.title, pull.body);
      const linked = await lockProjectTodos(tx, project.id, or(eq(todos.githubPrNumber, pull.number), closes.length > 0 ? inArray(todos.githubIssueNumber, closes) : undefined)!);
      for (const todo of linked) await write(todo, { status: 'done', ...prLinkFor(todo, pull) });
      break;
    }
    case 'pull_request_linked': {
      const { pull } = action;
      const closes = closingIssueNumbers(pull.title, pull.body);
      if (closes.length === 0) return 0;
      const linked = await lockProjectTodos(tx, project.id, inArray(todos.githubIssueNumber, closes));
      for (const todo of linked) await write(todo, prLinkFor(todo, pull));
      break;
    }
    case 'issue_edited': {
      const { issue } = action;
      for (const todo of await lockProjectTodos(tx, project.id, eq(todos.githubIssueNumber, issue.number))) {
        await write(todo, { title: todoTitleOf(issue), description: todoDescriptionOf(issue) });
      }
      break;
    }
    case 'issue_state': {
      const { issue, state } = action;
      for (const todo of await lockProjectTodos(tx, project.id, eq(todos.githubIssueNumber, issue.number))) {
        await write(todo, { status: statusFollowing(todo.status, state) });
      }
      break;
    }
  }
  await refreshMoved(tx, record, project, moved);
  return changed;
}

/**
 * The pull request stored on a todo it closes, unless the todo is already linked to
 * another one (set by hand or by an earlier pull request: that link stays).
 */
function prLinkFor(todo: TodoRow, pull: PullRequestFacts): GitHubTodoChanges {
  if (todo.githubPrNumber !== null && todo.githubPrNumber !== pull.number) return {};
  return { githubPrNumber: pull.number, ...(pull.htmlUrl !== null && { githubPrUrl: pull.htmlUrl }) };
}

