import { and, count, desc, eq } from 'drizzle-orm';
import { features, githubBranches } from '../../db/schema.js';
import { type ProjectRow, requireProjectAccess, requireProjectWriter } from '../access.js';
import type { ServiceContext } from '../context.js';
import { Conflict, DomainError, NotFound, RuleViolation } from '../errors.js';
import { mutate } from '../mutation.js';
import type { Page, PageRequest } from '../pagination.js';
import type { GitHubSession } from './connection.js';
import { type RepoName, checkBranchName, featureBranchName } from './names.js';
import { type BranchRow, presentGitHubBranch } from './presenter.js';
import { fullName, githubForProject, lookingFor } from './project-repo.js';

/**
 * Branches linked to features (`github_branches`): created on GitHub from a base
 * branch, or only recorded when the agent made the branch with git. Live data comes
 * from GitHub through the caller's own account.
 */

export type { BranchRow };

export type FeatureRow = typeof features.$inferSelect;

/** The feature and its project, if the caller may read it or (`write`) work in its project. */
export async function requireFeature(ctx: ServiceContext, featureId: string, level: 'read' | 'write'): Promise<{ feature: FeatureRow; project: ProjectRow }> {
  const [feature] = await ctx.db.select().from(features).where(eq(features.id, featureId)).limit(1);
  if (!feature) throw new NotFound('Feature');
  const project =
    level === 'write' ? await requireProjectWriter(ctx, feature.projectId, 'Feature') : await requireProjectAccess(ctx, feature.projectId, 'read', 'Feature');
  return { feature, project };
}

export async function listProjectBranches(ctx: ServiceContext, projectId: string, page: PageRequest): Promise<Page<BranchRow>> {
  await requireProjectAccess(ctx, projectId, 'read');
  const where = eq(githubBranches.projectId, projectId);
  const [items, [totals]] = await Promise.all([
    ctx.db.select().from(githubBranches).where(where).orderBy(desc(githubBranches.createdAt), desc(githubBranches.id)).limit(page.pageSize).offset(page.offset),
    ctx.db.select({ total: count() }).from(githubBranches).where(where),
  ]);
  return { items, total: totals?.total ?? 0, page: page.page, pageSize: page.pageSize };
}

export async function listFeatureBranches(ctx: ServiceContext, featureId: string): Promise<BranchRow[]> {
  await requireFeature(ctx, featureId, 'read');
  return ctx.db.select().from(githubBranches).where(eq(githubBranches.featureId, featureId)).orderBy(desc(githubBranches.createdAt), desc(githubBranches.id));
}

export interface BranchWithGitHub {
  branch: BranchRow;
  /** GitHub's view of the branch now; null when there is no repository, no GitHub account, or GitHub failed. */
  githubInfo: ReturnType<typeof presentGitHubBranch> | null;
}

export async function getBranch(ctx: ServiceContext, branchId: string): Promise<BranchWithGitHub> {
  const [branch] = await ctx.db.select().from(githubBranches).where(eq(githubBranches.id, branchId)).limit(1);
  if (!branch) throw new NotFound('Branch');
  const project = await requireProjectAccess(ctx, branch.projectId, 'read', 'Branch');
  let githubInfo: BranchWithGitHub['githubInfo'] = null;
  try {
    const { repo, github } = await githubForProject(ctx, project);
    const { data } = await github.api.rest.repos.getBranch({ owner: repo.owner, repo: repo.repo, branch: branch.branchName });
    githubInfo = presentGitHubBranch(data);
  } catch (error) {
    // The stored row is the answer; what GitHub would add is optional.
    if (!(error instanceof DomainError)) throw error;
  }
  return { branch, githubInfo };
}

export interface NewBranch {
  featureId: string;
  branchName: string;
  fromBranch: string;
}

/**
 * Creates the branch on GitHub at the tip of `fromBranch` and records it for the
 * feature (work in the feature's project). A name git refuses is 400; a branch that
 * exists already on GitHub is 409.
 */
export async function createBranch(ctx: ServiceContext, input: NewBranch): Promise<BranchRow> {
  checkBranchName(input.branchName, 'branch_name');
  checkBranchName(input.fromBranch, 'from_branch');
  const { feature, project } = await requireFeature(ctx, input.featureId, 'write');
  const { repo, github } = await githubForProject(ctx, project);
  const sha = await createRef(github, repo, input.branchName, input.fromBranch);
  return recordBranch(ctx, project, { featureId: feature.id, branchName: input.branchName, baseBranch: input.fromBranch, sha });
}

/** `feature/<slug of the feature's name>` created on GitHub from `baseBranch` (mcp_create_branch_for_feature). */
export async function createFeatureBranch(ctx: ServiceContext, featureId: string, baseBranch: string): Promise<BranchRow> {
  checkBranchName(baseBranch, 'baseBranch');
  const { feature, project } = await requireFeature(ctx, featureId, 'write');
  const branchName = featureBranchName(feature.name, feature.id);
  const { repo, github } = await githubForProject(ctx, project);
  const sha = await createRef(github, repo, branchName, baseBranch);
  return recordBranch(ctx, project, { featureId: feature.id, branchName, baseBranch, sha });
}

/**
 * Records that `branchName` implements the feature, without asking GitHub (the agent
 * made the branch with git): the project's row of that name now points at the feature.
 */
export async function linkBranchToFeature(ctx: ServiceContext, featureId: string, branchName: string): Promise<BranchRow> {
  checkBranchName(branchName, 'branchName');
  const { feature, project } = await requireFeature(ctx, featureId, 'write');
  return recordBranch(ctx, project, { featureId: feature.id, branchName, baseBranch: undefined, sha: undefined }, 'github_branch.linked');
}

async function createRef(github: GitHubSession, repo: RepoName, branchName: string, fromBranch: string): Promise<string> {
  const base = await lookingFor(`Branch "${fromBranch}" of ${fullName(repo)}`, () =>
    github.api.rest.git.getRef({ owner: repo.owner, repo: repo.repo, ref: `heads/${fromBranch}` }),
  );
  const sha = base.data.object.sha;
  try {
    await github.api.rest.git.createRef({ owner: repo.owner, repo: repo.repo, ref: `refs/heads/${branchName}`, sha });
  } catch (error) {
    if (error instanceof RuleViolation && /already exists/i.test(error.message)) {
      throw new Conflict(`Branch "${branchName}" already exists in ${fullName(repo)}: branch already exists`);
    }
    throw error;
  }
  return sha;
}

interface BranchRecord {
  featureId: string;
  branchName: string;
  /** undefined: "main" for a new row, unchanged for a known one. */
  baseBranch: string | undefined;
  sha: string | undefined;
}

/** Inserts the project's branch row, or points the existing one of that name at the feature. */
async function recordBranch(ctx: ServiceContext, project: ProjectRow, input: BranchRecord, action = 'github_branch.created'): Promise<BranchRow> {
  return mutate(ctx, async (tx, record) => {
    const [before] = await tx
      .select()
      .from(githubBranches)
      .where(and(eq(githubBranches.projectId, project.id), eq(githubBranches.branchName, input.branchName)))
      .for('update');
    const changed = {
      featureId: input.featureId,
      status: 'active',
      updatedBy: ctx.actor.id,
      ...(input.baseBranch !== undefined && { baseBranch: input.baseBranch }),
      ...(input.sha !== undefined && { lastCommitSha: input.sha, aheadCount: 0, behindCount: 0, hasConflicts: false, mergedAt: null }),
    };
    const [row] = await tx
      .insert(githubBranches)
      .values({ projectId: project.id, branchName: input.branchName, createdBy: ctx.actor.id, ...changed })
      .onConflictDoUpdate({ target: [githubBranches.projectId, githubBranches.branchName], set: { ...changed, updatedAt: new Date() } })
      .returning();
    record.activity({ action, entityType: 'github_branch', entityId: row!.id, teamId: project.teamId, projectId: project.id, before, after: row });
    record.event({
      name: 'projectUpdated',
      teamId: project.teamId,
      projectId: project.id,
      payload: {
        projectId: project.id,
        changes: { action: action === 'github_branch.linked' ? 'branch_linked' : 'branch_created', branch_id: row!.id, branch: input.branchName, feature_id: input.featureId },
      },
    });
    return row!;
  });
}

export interface BranchCounts {
  aheadCount: number;
  behindCount: number;
  lastCommitSha: string | null;
  lastCommitMessage: string | null;
}

/** Saves what GitHub's compare said about a branch (mcp_get_branch_info), on writable scopes only. */
export async function saveBranchCounts(ctx: ServiceContext, branch: BranchRow, counts: BranchCounts): Promise<void> {
  if (ctx.scope.readOnly) return;
  await mutate(ctx, async (tx) => {
    await tx
      .update(githubBranches)
      .set({ ...counts, updatedAt: new Date() })
      .where(eq(githubBranches.id, branch.id));
  });
}
