import type { githubBranches } from '../../db/schema.js';

/**
 * The shapes GitHub things and our branch rows take on the wire (reference
 * rest-api.md §1.10, mcp.md §2.6), for REST and MCP alike. Text written on GitHub
 * (titles, bodies, labels, commit messages) passes through unchanged here; the MCP
 * tools mark it as third-party content before an agent reads it (mcp/tools/untrusted.ts).
 */

export type BranchRow = typeof githubBranches.$inferSelect;

/** The parts of GitHub's repository object we show. */
export interface GitHubRepoData {
  id: number;
  name: string;
  full_name: string;
  owner: { login: string };
  private: boolean;
  default_branch: string;
  html_url: string;
  permissions?: { admin?: boolean; maintain?: boolean; push?: boolean; triage?: boolean; pull?: boolean } | undefined;
}

export function presentRepo(repo: GitHubRepoData) {
  return {
    id: repo.id,
    name: repo.name,
    full_name: repo.full_name,
    owner: repo.owner.login,
    private: repo.private,
    default_branch: repo.default_branch,
    url: repo.html_url,
  };
}

export type RepoInfo = ReturnType<typeof presentRepo>;

export type AccessLevel = 'admin' | 'write' | 'read';

/** What the caller may do in the repository, from GitHub's `permissions` (maintain counts as write, triage as read). */
export function accessLevelOf(repo: GitHubRepoData): AccessLevel {
  const granted = repo.permissions;
  if (granted?.admin) return 'admin';
  if (granted?.maintain || granted?.push) return 'write';
  return 'read';
}

/** A branch row as the branch routes list it. */
export function presentBranch(row: BranchRow) {
  return { id: row.id, name: row.branchName, sha: row.lastCommitSha, feature_id: row.featureId, status: row.status };
}

/** The stored row in full, for the MCP branch tools. */
export function presentBranchDetail(row: BranchRow) {
  return {
    id: row.id,
    name: row.branchName,
    base_branch: row.baseBranch,
    status: row.status,
    feature_id: row.featureId,
    ahead_count: row.aheadCount,
    behind_count: row.behindCount,
    has_conflicts: row.hasConflicts,
    last_commit_sha: row.lastCommitSha,
  };
}

interface GitHubCommitData {
  sha: string;
  html_url?: string | undefined;
  commit: { message: string; author?: { name?: string | undefined; date?: string | undefined } | null | undefined };
}

export function presentCommit(commit: GitHubCommitData) {
  return {
    sha: commit.sha,
    message: commit.commit.message,
    author: commit.commit.author?.name ?? null,
    date: commit.commit.author?.date ?? null,
  };
}

export type CommitInfo = ReturnType<typeof presentCommit>;

/** GitHub's branch object, as `github_info` of a stored branch. */
export function presentGitHubBranch(branch: { name: string; protected: boolean; commit: GitHubCommitData }) {
  return { name: branch.name, sha: branch.commit.sha, protected: branch.protected, commit: presentCommit(branch.commit), url: branch.commit.html_url ?? null };
}

type Label = string | { name?: string | undefined };

function labelNames(labels: readonly Label[] | undefined): string[] {
  return (labels ?? []).flatMap((label) => {
    const name = typeof label === 'string' ? label : label.name;
    return name ? [name] : [];
  });
}

interface GitHubIssueData {
  number: number;
  title: string;
  body?: string | null | undefined;
  html_url: string;
  state: string;
  labels?: Label[] | undefined;
  assignees?: { login: string }[] | null | undefined;
  created_at: string;
  updated_at: string;
}

export function presentIssue(issue: GitHubIssueData) {
  return {
    number: issue.number,
    title: issue.title,
    body: issue.body ?? null,
    url: issue.html_url,
    state: issue.state,
    labels: labelNames(issue.labels),
    assignees: (issue.assignees ?? []).map((assignee) => assignee.login),
    created_at: issue.created_at,
    updated_at: issue.updated_at,
  };
}

export function presentIssueSummary(issue: GitHubIssueData) {
  return { number: issue.number, title: issue.title, url: issue.html_url, state: issue.state };
}

interface GitHubPullData extends GitHubIssueData {
  merged?: boolean | undefined;
  mergeable?: boolean | null | undefined;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string | null };
}

export function presentPull(pull: GitHubPullData) {
  return {
    number: pull.number,
    title: pull.title,
    body: pull.body ?? null,
    url: pull.html_url,
    state: pull.state,
    merged: pull.merged ?? false,
    mergeable: pull.mergeable ?? null,
    head: { ref: pull.head.ref, sha: pull.head.sha },
    base: { ref: pull.base.ref, sha: pull.base.sha },
    labels: labelNames(pull.labels),
    created_at: pull.created_at,
    updated_at: pull.updated_at,
  };
}

export function presentPullSummary(pull: GitHubIssueData) {
  return { number: pull.number, title: pull.title, url: pull.html_url, state: pull.state };
}
