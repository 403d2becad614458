import { and, desc, eq, type SQL } from 'drizzle-orm';
import { githubBranches } from '../../db/schema.js';
import { requireProjectAccess } from '../access.js';
import type { ServiceContext } from '../context.js';
import { DomainError, RuleViolation } from '../errors.js';
import { type BranchRow, requireFeature, saveBranchCounts } from './branches.js';
import type { GitHubSession } from './connection.js';
import type { RepoName } from './names.js';
import { type CommitInfo, presentBranchDetail, presentCommit } from './presenter.js';
import { githubForProject } from './project-repo.js';

/** mcp_get_branch_info: the branches recorded for a project or feature, with GitHub's view of how far they are. */

const COMMITS_PER_BRANCH = 50;
const COMMITS_PER_BRANCH_IN_LIST = 20;
const COMMITS_IN_LIST = 100;

export interface BranchInfoQuery {
  /** The project; may be left out when `featureId` names the feature. */
  projectId: string | undefined;
  featureId: string | undefined;
  branchName: string | undefined;
  includeStatus: boolean;
  includeCommits: boolean;
}

type BranchDetail = ReturnType<typeof presentBranchDetail>;

export interface SingleBranchInfo {
  projectId: string;
  branch: BranchDetail & { commits?: CommitInfo[]; commit_count?: number; status_error?: string; commits_error?: string };
}

export interface BranchListInfo {
  projectId: string;
  featureId: string | null;
  branches: BranchDetail[];
  commits?: (CommitInfo & { branch: string })[];
  commitCount?: number;
  commitsErrors?: { branch: string; error: string }[];
}

interface Comparison {
  aheadBy: number;
  behindBy: number;
  totalCommits: number;
  /** Newest first. */
  commits: CommitInfo[];
}

async function compare(github: GitHubSession, repo: RepoName, branch: BranchRow): Promise<Comparison> {
  const { data } = await github.api.rest.repos.compareCommitsWithBasehead({
    owner: repo.owner,
    repo: repo.repo,
    basehead: `${branch.baseBranch}...${branch.branchName}`,
  });
  return {
    aheadBy: data.ahead_by,
    behindBy: data.behind_by,
    totalCommits: data.total_commits,
    commits: data.commits.map(presentCommit).reverse(),
  };
}

/**
 * One branch (a `branchName` that names exactly one recorded branch) with its live
 * ahead/behind counts (saved back) and, if asked, its commits; otherwise the matching
 * branches with their stored counts and, if asked, their recent commits. A failed
 * compare becomes `status_error`/`commits_error`, not a failed call; having no
 * repository or no GitHub account when GitHub is needed is one.
 */
export async function branchInfo(ctx: ServiceContext, query: BranchInfoQuery): Promise<SingleBranchInfo | BranchListInfo> {
  const project = query.featureId ? (await requireFeature(ctx, query.featureId, 'read')).project : undefined;
  if (project && query.projectId && query.projectId !== project.id) throw new RuleViolation('The feature belongs to another project');
  if (!project && !query.projectId) throw new RuleViolation('projectId or featureId is required');
  const scoped = project ?? (await requireProjectAccess(ctx, query.projectId!, 'read'));
  const conditions: SQL[] = [eq(githubBranches.projectId, scoped.id)];
  if (query.featureId) conditions.push(eq(githubBranches.featureId, query.featureId));
  if (query.branchName) conditions.push(eq(githubBranches.branchName, query.branchName));
  const rows = await ctx.db
    .select()
    .from(githubBranches)
    .where(and(...conditions))
    .orderBy(desc(githubBranches.createdAt), desc(githubBranches.id));

  if (query.branchName && rows.length === 1) {
    const row = rows[0]!;
    const branch: SingleBranchInfo['branch'] = presentBranchDetail(row);
    if (!query.includeStatus && !query.includeCommits) return { projectId: scoped.id, branch };
    const { repo, github } = await githubForProject(ctx, scoped);
    try {
      const live = await compare(github, repo, row);
      branch.ahead_count = live.aheadBy;
      branch.behind_count = live.behindBy;
      const newest = live.commits[0];
      await saveBranchCounts(ctx, row, {
        aheadCount: live.aheadBy,
        behindCount: live.behindBy,
        lastCommitSha: newest?.sha ?? row.lastCommitSha,
        lastCommitMessage: newest?.message ?? row.lastCommitMessage,
      });
      if (newest) branch.last_commit_sha = newest.sha;
      if (query.includeCommits) {
        branch.commits = live.commits.slice(0, COMMITS_PER_BRANCH);
        branch.commit_count = live.totalCommits;
      }
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (query.includeStatus) branch.status_error = error.message;
      if (query.includeCommits) branch.commits_error = error.message;
    }
    return { projectId: scoped.id, branch };
  }

  const list: BranchListInfo = { projectId: scoped.id, featureId: query.featureId ?? null, branches: rows.map(presentBranchDetail) };
  if (!query.includeCommits || rows.length === 0) return list;
  const { repo, github } = await githubForProject(ctx, scoped);
  const compared = await Promise.all(
    rows.map(async (row) => {
      try {
        return { row, commits: (await compare(github, repo, row)).commits.slice(0, COMMITS_PER_BRANCH_IN_LIST) };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        return { row, error: error.message };
      }
    }),
  );
  const commits = compared.flatMap(({ row, commits: found }) => (found ?? []).map((commit) => ({ ...commit, branch: row.branchName })));
  list.commits = commits.slice(0, COMMITS_IN_LIST);
  list.commitCount = list.commits.length;
  const failures = compared.flatMap(({ row, error }) => (error === undefined ? [] : [{ branch: row.branchName, error }]));
  if (failures.length > 0) list.commitsErrors = failures;
  return list;
}
