import { eq } from 'drizzle-orm';
import { projectElements } from '../../db/schema.js';
import { type ProjectRow, requireProjectAccess, requireProjectWriter } from '../access.js';
import type { ServiceContext } from '../context.js';
import { type ElementRow, elementEvent, loadElement } from '../elements/service.js';
import { NotFound, RuleViolation } from '../errors.js';
import { mutate } from '../mutation.js';
import { type TodoRow, requireTodo } from '../todos/queries.js';
import { updateTodo } from '../todos/service.js';
import { presentIssue, presentIssueSummary, presentPull, presentPullSummary } from './presenter.js';
import { fullName, githubForProject, lookingFor } from './project-repo.js';

/**
 * Issues and pull requests of a project's repository, read and opened through the
 * caller's own GitHub account, and linked to elements (issues) and done todos (pull
 * requests). Every check that can refuse runs before anything is written on GitHub.
 */

export type Issue = ReturnType<typeof presentIssue>;
export type Pull = ReturnType<typeof presentPull>;

async function fetchIssue(ctx: ServiceContext, project: ProjectRow, issueNumber: number) {
  const { repo, github } = await githubForProject(ctx, project);
  const { data } = await lookingFor(`Issue #${issueNumber} of ${fullName(repo)}`, () =>
    github.api.rest.issues.get({ owner: repo.owner, repo: repo.repo, issue_number: issueNumber }),
  );
  return data;
}

async function fetchPull(ctx: ServiceContext, project: ProjectRow, prNumber: number) {
  const { repo, github } = await githubForProject(ctx, project);
  const { data } = await lookingFor(`Pull request #${prNumber} of ${fullName(repo)}`, () =>
    github.api.rest.pulls.get({ owner: repo.owner, repo: repo.repo, pull_number: prNumber }),
  );
  return data;
}

export async function getIssue(ctx: ServiceContext, projectId: string, issueNumber: number): Promise<Issue> {
  const project = await requireProjectAccess(ctx, projectId, 'read');
  return presentIssue(await fetchIssue(ctx, project, issueNumber));
}

export async function getPull(ctx: ServiceContext, projectId: string, prNumber: number): Promise<Pull> {
  const project = await requireProjectAccess(ctx, projectId, 'read');
  return presentPull(await fetchPull(ctx, project, prNumber));
}

/** Records the issue on the element (number and URL), as an element change. */
async function setElementIssue(ctx: ServiceContext, project: ProjectRow, elementId: string, issue: { number: number; html_url: string }): Promise<ElementRow> {
  return mutate(ctx, async (tx, record) => {
    const [before] = await tx.select().from(projectElements).where(eq(projectElements.id, elementId)).for('update');
    if (!before) throw new NotFound('Element');
    const [updated] = await tx
      .update(projectElements)
      .set({ githubIssueNumber: issue.number, githubIssueUrl: issue.html_url, updatedBy: ctx.actor.id })
      .where(eq(projectElements.id, elementId))
      .returning();
    record.activity({ action: 'element.updated', entityType: 'element', entityId: elementId, teamId: project.teamId, projectId: project.id, before, after: updated });
    record.event(elementEvent(project, 'element_updated', elementId, { fields: ['githubIssueNumber', 'githubIssueUrl'] }));
    return updated!;
  });
}

/** Links an element to an existing issue of its project's repository (the issue must exist). */
export async function linkElementToIssue(ctx: ServiceContext, elementId: string, issueNumber: number): Promise<ElementRow> {
  const { project } = await loadElement(ctx, elementId, 'write');
  const issue = await fetchIssue(ctx, project, issueNumber);
  return setElementIssue(ctx, project, elementId, issue);
}

export interface NewIssue {
  title: string;
  body?: string | undefined;
  labels?: string[] | undefined;
  /** An element of the same project to link the new issue to. */
  elementId?: string | undefined;
}

export interface CreatedIssue {
  issue: ReturnType<typeof presentIssueSummary>;
  elementId: string | null;
}

/** Opens an issue; the element to link is checked first, so a refusal leaves nothing half done on GitHub. */
export async function createIssue(ctx: ServiceContext, projectId: string, input: NewIssue): Promise<CreatedIssue> {
  const project = await requireProjectWriter(ctx, projectId);
  if (input.elementId) {
    const { element } = await loadElement(ctx, input.elementId, 'write');
    if (element.projectId !== project.id) throw new RuleViolation('The element belongs to another project');
  }
  const { repo, github } = await githubForProject(ctx, project);
  const { data } = await lookingFor(`Repository ${fullName(repo)}`, () =>
    github.api.rest.issues.create({
      owner: repo.owner,
      repo: repo.repo,
      title: input.title,
      ...(input.body !== undefined && { body: input.body }),
      ...(input.labels !== undefined && { labels: input.labels }),
    }),
  );
  if (input.elementId) await setElementIssue(ctx, project, input.elementId, data);
  return { issue: presentIssueSummary(data), elementId: input.elementId ?? null };
}

/** A pull request is linked to a todo once the work is done (reference mcp.md §2.6). */
function requireDone(todo: TodoRow): void {
  if (todo.status !== 'done') {
    throw new RuleViolation(`Todo must be done before it is linked to a pull request (it is ${todo.status}): finish it first`);
  }
}

function linkPull(ctx: ServiceContext, todo: TodoRow, pull: { number: number; html_url: string }): Promise<TodoRow> {
  return updateTodo(ctx, todo.id, { githubPrNumber: pull.number, githubPrUrl: pull.html_url }, undefined, 'todo.github_pr_linked');
}

/** Links a done todo to an existing pull request of its project's repository. */
export async function linkTodoToPull(ctx: ServiceContext, todoId: string, prNumber: number): Promise<TodoRow> {
  const { todo, project } = await requireTodo(ctx, todoId, 'write');
  requireDone(todo);
  const pull = await fetchPull(ctx, project, prNumber);
  return linkPull(ctx, todo, pull);
}

export interface NewPull {
  title: string;
  head: string;
  base: string;
  body?: string | undefined;
  /** A done todo of the same project the pull request implements. */
  todoId?: string | undefined;
}

export interface CreatedPull {
  pull: ReturnType<typeof presentPullSummary>;
  todoId: string | null;
}

/**
 * Opens a pull request from `head` into `base`. The todo it implements must be done
 * and in the project, checked before the pull request exists (the reference opened it
 * first and then refused the link, leaving it unlinked).
 */
export async function createPull(ctx: ServiceContext, projectId: string, input: NewPull): Promise<CreatedPull> {
  const project = await requireProjectWriter(ctx, projectId);
  let todo: TodoRow | undefined;
  if (input.todoId) {
    todo = (await requireTodo(ctx, input.todoId, 'write')).todo;
    if (todo.projectId !== project.id) throw new RuleViolation('The todo belongs to another project');
    requireDone(todo);
  }
  const { repo, github } = await githubForProject(ctx, project);
  const { data } = await lookingFor(`Repository ${fullName(repo)}`, () =>
    github.api.rest.pulls.create({
      owner: repo.owner,
      repo: repo.repo,
      title: input.title,
      head: input.head,
      base: input.base,
      ...(input.body !== undefined && { body: input.body }),
    }),
  );
  if (todo) await linkPull(ctx, todo, data);
  return { pull: presentPullSummary(data), todoId: todo?.id ?? null };
}
