import { Type } from '@sinclair/typebox';
import type { BranchWithGitHub } from '../../domain/github/branches.js';
import { type BranchRow, presentBranch } from '../../domain/github/presenter.js';
import type { RepositoryAccess } from '../../domain/github/repos.js';
import { Nullable, PaginationQuery, StringEnum, Uuid } from './common.js';

/** `/github/*` shapes (reference rest-api.md §1.10). */

export const ConnectRepoBody = Type.Object({
  owner: Type.String({ minLength: 1, maxLength: 255, description: 'Account or organisation, e.g. `octocat`' }),
  repo: Type.String({ minLength: 1, maxLength: 255, description: 'Repository name, e.g. `hello-world`' }),
});

export const ProjectIdParams = Type.Object({ pid: Uuid });
export const FeatureIdParams = Type.Object({ fid: Uuid });

export const RepoInfo = Type.Object({
  id: Type.Integer({ description: 'GitHub’s numeric repository id' }),
  name: Type.String(),
  full_name: Type.String(),
  owner: Type.String({ description: 'Owner login' }),
  private: Type.Boolean(),
  default_branch: Type.String(),
  url: Type.String({ description: 'The repository’s page on GitHub' }),
});

export const AccessLevel = StringEnum(['admin', 'write', 'read'] as const);

export const RepositoryAccessRow = Type.Object({
  project_id: Uuid,
  project_name: Type.String(),
  team_id: Uuid,
  team_name: Nullable(Type.String()),
  github_repo_url: Nullable(Type.String()),
  has_access: Type.Boolean(),
  access_level: Nullable(AccessLevel),
  error: Type.Optional(Type.String({ description: 'Why there is no access: not connected, not found, or GitHub failed' })),
});

export function presentRepositoryAccess(row: RepositoryAccess) {
  return {
    project_id: row.projectId,
    project_name: row.projectName,
    team_id: row.teamId,
    team_name: row.teamName,
    github_repo_url: row.githubRepoUrl,
    has_access: row.hasAccess,
    access_level: row.accessLevel,
    ...(row.error !== undefined && { error: row.error }),
  };
}

export const Branch = Type.Object({
  id: Uuid,
  name: Type.String(),
  sha: Nullable(Type.String()),
  feature_id: Nullable(Uuid),
  status: Type.String(),
});

export const BranchListQuery = Type.Pick(PaginationQuery, ['page', 'page_size']);

export const BranchPage = Type.Object({
  branches: Type.Array(Branch),
  total: Type.Integer(),
  page: Type.Integer(),
  page_size: Type.Integer(),
  count: Type.Integer({ description: 'Branches on this page' }),
});

export const FeatureBranch = Type.Object({ id: Uuid, name: Type.String(), sha: Nullable(Type.String()), status: Type.String() });
export const FeatureBranchList = Type.Object({ branches: Type.Array(FeatureBranch), count: Type.Integer() });

export const CreateBranchBody = Type.Object({
  feature_id: Uuid,
  branch_name: Type.String({ minLength: 1, maxLength: 255, description: 'A valid git branch name, e.g. `feature/login`' }),
  from_branch: Type.String({ minLength: 1, maxLength: 255, default: 'main', description: 'The branch whose tip the new one starts at' }),
});

const Commit = Type.Object({ sha: Type.String(), message: Type.String(), author: Nullable(Type.String()), date: Nullable(Type.String()) });
const GitHubBranchInfo = Type.Object({
  name: Type.String(),
  sha: Type.String(),
  protected: Type.Boolean(),
  commit: Commit,
  url: Nullable(Type.String()),
});

export const BranchDetail = Type.Object({
  ...Branch.properties,
  github_info: Nullable(GitHubBranchInfo),
});

export function presentFeatureBranch(row: BranchRow) {
  return { id: row.id, name: row.branchName, sha: row.lastCommitSha, status: row.status };
}

export function presentBranchDetail({ branch, githubInfo }: BranchWithGitHub) {
  return { ...presentBranch(branch), github_info: githubInfo };
}

export { presentBranch };
