import type { FastifyInstance } from 'fastify';
import {
  type RepoParams,
  type RouteContext,
  authorizeRepo,
  bodyFields,
  nodeId,
  paginate,
  queryParam,
  repoApiUrl,
  repoHtmlUrl,
  sendNotFound,
  sendValidationFailed,
  stringField,
} from './http.js';
import type { FakeIssue, FakeMilestone, FakePull, FakeRepo } from './state.js';

interface NumberParams extends RepoParams {
  number: string;
}

/** Issues, milestones and pull requests. */
export function registerIssueRoutes(app: FastifyInstance, context: RouteContext): void {
  const { state } = context;

  const pullOf = (repo: FakeRepo, number: number): FakePull | undefined => repo.pulls.find((pull) => pull.number === number);
  const milestoneOf = (repo: FakeRepo, number: number | null): FakeMilestone | undefined =>
    number === null ? undefined : repo.milestones.find((milestone) => milestone.number === number);

  const milestoneView = (repo: FakeRepo, milestone: FakeMilestone) => {
    const tracked = repo.issues.filter((issue) => issue.milestone === milestone.number);
    return {
      id: state.idOf(milestone),
      node_id: nodeId('Milestone', state.idOf(milestone)),
      number: milestone.number,
      title: milestone.title,
      description: milestone.description,
      state: milestone.state,
      due_on: milestone.due_on,
      url: `${repoApiUrl(context, repo)}/milestones/${milestone.number}`,
      html_url: `${repoHtmlUrl(context, repo)}/milestone/${milestone.number}`,
      open_issues: tracked.filter((issue) => issue.state === 'open').length,
      closed_issues: tracked.filter((issue) => issue.state === 'closed').length,
    };
  };

  /** A pull request's own record wins over its issue entry for what both hold, as there is one PR on GitHub. */
  const issueView = (repo: FakeRepo, issue: FakeIssue) => {
    const pull = issue.is_pull_request ? pullOf(repo, issue.number) : undefined;
    const milestone = milestoneOf(repo, issue.milestone);
    return {
      id: state.idOf(issue),
      node_id: nodeId(pull ? 'PullRequest' : 'Issue', state.idOf(issue)),
      number: issue.number,
      title: pull?.title ?? issue.title,
      body: pull ? pull.body : issue.body,
      state: pull?.state ?? issue.state,
      url: `${repoApiUrl(context, repo)}/issues/${issue.number}`,
      html_url: `${repoHtmlUrl(context, repo)}/${pull ? 'pull' : 'issues'}/${issue.number}`,
      labels: issue.labels.map((name) => ({ name })),
      assignees: issue.assignees.map((login) => ({ login, id: state.accountId(login) })),
      milestone: milestone ? { number: milestone.number, title: milestone.title, state: milestone.state } : null,
      created_at: issue.created_at,
      updated_at: issue.updated_at,
      closed_at: issue.closed_at,
      ...(issue.is_pull_request && {
        pull_request: { url: `${repoApiUrl(context, repo)}/pulls/${issue.number}`, html_url: `${repoHtmlUrl(context, repo)}/pull/${issue.number}` },
      }),
    };
  };

  const pullView = (repo: FakeRepo, pull: FakePull) => {
    const entry = repo.issues.find((issue) => issue.number === pull.number);
    return {
      id: state.idOf(pull),
      node_id: nodeId('PullRequest', state.idOf(pull)),
      number: pull.number,
      title: pull.title,
      body: pull.body,
      state: pull.state,
      url: `${repoApiUrl(context, repo)}/pulls/${pull.number}`,
      html_url: `${repoHtmlUrl(context, repo)}/pull/${pull.number}`,
      merged: pull.merged,
      mergeable: true,
      head: { ref: pull.head, sha: pull.head_sha },
      base: { ref: pull.base, sha: repo.branches.get(pull.base) ?? null },
      labels: (entry?.labels ?? []).map((name) => ({ name })),
      created_at: pull.created_at,
      updated_at: pull.updated_at,
    };
  };

  app.get<{ Params: RepoParams }>('/repos/:owner/:repo/issues', async (request, reply) => {
    const repo = authorizeRepo(context, request, reply, 'read');
    if (!repo) return reply;
    const wantedState = queryParam(request, 'state') ?? 'open';
    const labels = (queryParam(request, 'labels') ?? '').split(',').filter((label) => label !== '');
    const milestone = queryParam(request, 'milestone');
    const since = queryParam(request, 'since');
    const sortKey = queryParam(request, 'sort') === 'updated' ? 'updated_at' : 'created_at';
    const direction = queryParam(request, 'direction') === 'asc' ? 1 : -1;

    const matching = repo.issues
      .map((issue) => ({ issue, view: issueView(repo, issue) }))
      .filter(({ view }) => wantedState === 'all' || view.state === wantedState)
      .filter(({ issue }) => labels.every((label) => issue.labels.includes(label)))
      .filter(({ issue }) => {
        if (milestone === undefined) return true;
        if (milestone === '*') return issue.milestone !== null;
        if (milestone === 'none') return issue.milestone === null;
        return issue.milestone === Number(milestone);
      })
      .filter(({ issue }) => since === undefined || issue.updated_at >= since)
      // Equal timestamps (issues made in one millisecond) fall back to the number, which grows with age.
      .sort((a, b) => direction * (a.issue[sortKey].localeCompare(b.issue[sortKey]) || a.issue.number - b.issue.number));
    return paginate(context, request, reply, matching).map(({ view }) => view);
  });

  app.get<{ Params: NumberParams }>('/repos/:owner/:repo/issues/:number', async (request, reply) => {
    const repo = authorizeRepo(context, request, reply, 'read');
    if (!repo) return reply;
    const issue = repo.issues.find((candidate) => String(candidate.number) === request.params.number);
    return issue ? issueView(repo, issue) : sendNotFound(reply);
  });

  app.post<{ Params: RepoParams }>('/repos/:owner/:repo/issues', async (request, reply) => {
    const repo = authorizeRepo(context, request, reply, 'write');
    if (!repo) return reply;
    const fields = bodyFields(request);
    const title = stringField(fields, 'title');
    if (title === undefined || title.trim() === '') return sendValidationFailed(reply, 'Issue', 'title');
    const milestone = typeof fields.milestone === 'number' ? fields.milestone : null;
    if (milestone !== null && !milestoneOf(repo, milestone)) return sendValidationFailed(reply, 'Issue', 'milestone', 'invalid');
    const issue = state.addIssue(repo, {
      title,
      body: stringField(fields, 'body') ?? null,
      labels: labelNames(fields.labels),
      assignees: Array.isArray(fields.assignees) ? fields.assignees.filter((login): login is string => typeof login === 'string') : [],
      milestone,
    });
    return reply.code(201).send(issueView(repo, issue));
  });

  app.get<{ Params: RepoParams }>('/repos/:owner/:repo/milestones', async (request, reply) => {
    const repo = authorizeRepo(context, request, reply, 'read');
    if (!repo) return reply;
    const wantedState = queryParam(request, 'state') ?? 'open';
    const matching = repo.milestones
      .filter((milestone) => wantedState === 'all' || milestone.state === wantedState)
      .sort((a, b) => a.number - b.number);
    return paginate(context, request, reply, matching).map((milestone) => milestoneView(repo, milestone));
  });

  app.get<{ Params: NumberParams }>('/repos/:owner/:repo/pulls/:number', async (request, reply) => {
    const repo = authorizeRepo(context, request, reply, 'read');
    if (!repo) return reply;
    const pull = repo.pulls.find((candidate) => String(candidate.number) === request.params.number);
    return pull ? pullView(repo, pull) : sendNotFound(reply);
  });

  app.post<{ Params: RepoParams }>('/repos/:owner/:repo/pulls', async (request, reply) => {
    const repo = authorizeRepo(context, request, reply, 'write');
    if (!repo) return reply;
    const fields = bodyFields(request);
    const title = stringField(fields, 'title');
    // `owner:branch` names a fork's branch; only same-repository pull requests are modelled.
    const head = withoutOwner(repo, stringField(fields, 'head'));
    const base = stringField(fields, 'base');
    if (title === undefined || title.trim() === '') return sendValidationFailed(reply, 'PullRequest', 'title');
    if (head === undefined || !repo.branches.has(head)) return sendValidationFailed(reply, 'PullRequest', 'head', 'invalid');
    if (base === undefined || !repo.branches.has(base)) return sendValidationFailed(reply, 'PullRequest', 'base', 'invalid');
    const pull = state.addPull(repo, { title, head, base, body: stringField(fields, 'body') ?? null });
    return reply.code(201).send(pullView(repo, pull));
  });
}

/** GitHub takes labels as names or as `{ name }` objects. */
function labelNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((label: unknown) => {
    if (typeof label === 'string') return [label];
    if (typeof label === 'object' && label !== null && 'name' in label && typeof label.name === 'string') return [label.name];
    return [];
  });
}

function withoutOwner(repo: FakeRepo, head: string | undefined): string | undefined {
  const prefix = `${repo.owner.toLowerCase()}:`;
  return head?.toLowerCase().startsWith(prefix) ? head.slice(prefix.length) : head;
}
