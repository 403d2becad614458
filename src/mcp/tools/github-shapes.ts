import { z } from 'zod';
import type { BranchListInfo, SingleBranchInfo } from '../../domain/github/branch-info.js';
import type { Issue, Pull } from '../../domain/github/issues.js';
import type { CommitInfo } from '../../domain/github/presenter.js';
import { UntrustedFields } from './untrusted.js';

/**
 * What the GitHub tools answer (reference mcp.md §2.6 field names), with every piece
 * of text written on GitHub marked as third-party content (untrusted.ts).
 */

const untrustedNote = { untrusted_content: z.string().optional() };

export const RepoInfoSchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  full_name: z.string(),
  owner: z.string(),
  private: z.boolean(),
  default_branch: z.string(),
  url: z.string(),
});

export const ConnectedRepoOutput = z.object({ project_id: z.string(), github_repo_url: z.string(), github_repo_id: z.string(), repo_info: RepoInfoSchema });
export const RepoInfoOutput = z.object({ project_id: z.string(), repo_info: RepoInfoSchema });

const CommitSchema = z.looseObject({ sha: z.string(), message: z.string(), author: z.string().nullable(), date: z.string().nullable() });
const BranchSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  base_branch: z.string(),
  status: z.string(),
  feature_id: z.string().nullable(),
  ahead_count: z.number(),
  behind_count: z.number(),
  has_conflicts: z.boolean(),
  last_commit_sha: z.string().nullable(),
});

export const BranchInfoOutput = z.looseObject({
  ...untrustedNote,
  project_id: z.string(),
  feature_id: z.string().nullable().optional(),
  branch: BranchSchema.extend({
    commits: z.array(CommitSchema).optional(),
    commit_count: z.number().optional(),
    status_error: z.string().optional(),
    commits_error: z.string().optional(),
  }).optional(),
  branches: z.array(BranchSchema).optional(),
  count: z.number().optional(),
  commits: z.array(CommitSchema.extend({ branch: z.string() })).optional(),
  commit_count: z.number().optional(),
  commits_errors: z.array(z.object({ branch: z.string(), error: z.string() })).optional(),
});

export const ElementIssueOutput = z.object({ element_id: z.string(), issue_number: z.number(), issue_url: z.string() });
export const TodoPullOutput = z.object({ todo_id: z.string(), pr_number: z.number(), pr_url: z.string() });

const Summary = z.looseObject({ number: z.number(), title: z.string(), url: z.string(), state: z.string() });
export const CreatedIssueOutput = z.object({ project_id: z.string(), issue: Summary, element_id: z.string().nullable() });
export const CreatedPullOutput = z.object({ project_id: z.string(), pr: Summary, todo_id: z.string().nullable() });

export const IssueOutput = z.object({
  ...untrustedNote,
  project_id: z.string(),
  issue: Summary.extend({
    body: z.string().nullable(),
    labels: z.array(z.string()),
    assignees: z.array(z.string()),
    created_at: z.string(),
    updated_at: z.string(),
  }),
});

const Ref = z.object({ ref: z.string(), sha: z.string().nullable() });
export const PullOutput = z.object({
  ...untrustedNote,
  project_id: z.string(),
  pr: Summary.extend({
    body: z.string().nullable(),
    merged: z.boolean(),
    mergeable: z.boolean().nullable(),
    head: Ref,
    base: Ref,
    labels: z.array(z.string()),
    created_at: z.string(),
    updated_at: z.string(),
  }),
});

export const BranchOutput = z.object({
  feature_id: z.string(),
  branch: z.looseObject({ id: z.string(), name: z.string(), status: z.string(), base_branch: z.string().optional() }),
});

function markCommit<T extends CommitInfo>(marks: UntrustedFields, path: string, commit: T): T {
  return { ...commit, message: marks.text(`${path}.message`, commit.message), author: marks.text(`${path}.author`, commit.author) };
}

export function issueResult(projectId: string, issue: Issue) {
  const marks = new UntrustedFields();
  return marks.seal({
    project_id: projectId,
    issue: { ...issue, title: marks.text('issue.title', issue.title), body: marks.text('issue.body', issue.body), labels: marks.list('issue.labels', issue.labels) },
  });
}

export function pullResult(projectId: string, pull: Pull) {
  const marks = new UntrustedFields();
  return marks.seal({
    project_id: projectId,
    pr: { ...pull, title: marks.text('pr.title', pull.title), body: marks.text('pr.body', pull.body), labels: marks.list('pr.labels', pull.labels) },
  });
}

export function branchInfoResult(info: SingleBranchInfo | BranchListInfo) {
  const marks = new UntrustedFields();
  if ('branch' in info) {
    const { commits, ...branch } = info.branch;
    return marks.seal({
      project_id: info.projectId,
      branch: { ...branch, ...(commits && { commits: commits.map((commit) => markCommit(marks, 'branch.commits[]', commit)) }) },
    });
  }
  return marks.seal({
    project_id: info.projectId,
    feature_id: info.featureId,
    branches: info.branches,
    count: info.branches.length,
    ...(info.commits && { commits: info.commits.map((commit) => markCommit(marks, 'commits[]', commit)), commit_count: info.commitCount }),
    ...(info.commitsErrors && { commits_errors: info.commitsErrors }),
  });
}
