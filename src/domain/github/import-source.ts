import type { GitHubApi } from '../../integrations/github/octokit.js';
import type { RepoName } from './names.js';

/**
 * What imports read from GitHub, fetched whole before anything is written: issues
 * (pull requests left out) and milestones, as plain values, at most
 * `MAX_IMPORTED_ITEMS` of each, saying when there were more.
 */

export const MAX_IMPORTED_ITEMS = 2000;
const PAGE_SIZE = 100;

export type GitHubItemState = 'open' | 'closed' | 'all';

export type RepositoryName = RepoName;

export interface FetchedIssue {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  labels: string[];
  milestoneNumber: number | null;
}

export interface FetchedMilestone {
  number: number;
  title: string;
  description: string | null;
  state: 'open' | 'closed';
}

export interface Fetched<T> {
  items: T[];
  /** More matched than `MAX_IMPORTED_ITEMS`: the rest were not read. */
  truncated: boolean;
}

interface RawIssue {
  number: number;
  title: string;
  body?: string | null;
  state: string;
  labels: (string | { name?: string | undefined })[];
  milestone?: { number: number } | null;
  pull_request?: unknown;
}

/** The repository's issues in `state` (with all of `labels`, when given), oldest first, without pull requests. */
export async function fetchIssues(
  api: GitHubApi,
  repository: RepositoryName,
  filter: { state: GitHubItemState; labels?: readonly string[] | undefined; milestone?: '*' | undefined },
): Promise<Fetched<FetchedIssue>> {
  const items: FetchedIssue[] = [];
  let truncated = false;
  await api.paginate(
    api.rest.issues.listForRepo,
    {
      owner: repository.owner,
      repo: repository.repo,
      state: filter.state,
      sort: 'created',
      direction: 'asc',
      per_page: PAGE_SIZE,
      ...(filter.labels && filter.labels.length > 0 && { labels: filter.labels.join(',') }),
      ...(filter.milestone && { milestone: filter.milestone }),
    },
    (response, done) => {
      for (const raw of response.data as RawIssue[]) {
        // GitHub lists pull requests among the issues; they are not work items to import.
        if (raw.pull_request) continue;
        if (items.length >= MAX_IMPORTED_ITEMS) {
          truncated = true;
          break;
        }
        items.push(issueOf(raw));
      }
      if (truncated) done();
      return [];
    },
  );
  return { items, truncated };
}

export async function fetchMilestones(api: GitHubApi, repository: RepositoryName, state: GitHubItemState): Promise<Fetched<FetchedMilestone>> {
  const items: FetchedMilestone[] = [];
  let truncated = false;
  await api.paginate(
    api.rest.issues.listMilestones,
    { owner: repository.owner, repo: repository.repo, state, sort: 'due_on', direction: 'asc', per_page: PAGE_SIZE },
    (response, done) => {
      for (const raw of response.data) {
        if (items.length >= MAX_IMPORTED_ITEMS) {
          truncated = true;
          break;
        }
        items.push({ number: raw.number, title: raw.title, description: raw.description ?? null, state: raw.state === 'closed' ? 'closed' : 'open' });
      }
      if (truncated) done();
      return [];
    },
  );
  return { items, truncated };
}

function issueOf(raw: RawIssue): FetchedIssue {
  return {
    number: raw.number,
    title: raw.title,
    body: raw.body ?? null,
    state: raw.state === 'closed' ? 'closed' : 'open',
    labels: raw.labels.map((label) => (typeof label === 'string' ? label : (label.name ?? ''))).filter(Boolean),
    milestoneNumber: raw.milestone?.number ?? null,
  };
}
