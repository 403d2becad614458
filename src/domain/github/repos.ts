import { eq, inArray } from 'drizzle-orm';
import { projects, teams } from '../../db/schema.js';
import { GitHubNotConnected } from '../../integrations/github/errors.js';
import { type ProjectRow, requireProjectAccess } from '../access.js';
import type { ServiceContext } from '../context.js';
import { DomainError, NotFound } from '../errors.js';
import { mutate } from '../mutation.js';
import { MAX_PAGE_SIZE, pageRequest } from '../pagination.js';
import { listProjects } from '../projects/service.js';
import { type GitHubSession, githubFor } from './connection.js';
import { type RepoName, checkRepoName, parseRepoUrl } from './names.js';
import { type AccessLevel, type GitHubRepoData, type RepoInfo, accessLevelOf, presentRepo } from './presenter.js';
import { fullName, githubForProject, lookingFor } from './project-repo.js';

/** Repositories: connecting one to a project, reading it, and what the caller may do in each. */

export interface ConnectedRepository {
  project: ProjectRow;
  repo: RepoInfo;
}

async function fetchRepo(github: GitHubSession, repo: RepoName): Promise<GitHubRepoData> {
  return lookingFor(`Repository ${fullName(repo)}`, async () => (await github.api.rest.repos.get({ owner: repo.owner, repo: repo.repo })).data);
}

/**
 * Connects `owner/repo` to the project (team leaders): the caller's own GitHub account
 * must see it (404 with the reason otherwise, as GitHub hides private repositories),
 * then the project records its URL and GitHub's numeric id, by which webhooks find it.
 */
export async function connectRepository(ctx: ServiceContext, projectId: string, owner: string, repo: string): Promise<ConnectedRepository> {
  const name = checkRepoName(owner, repo);
  const current = await requireProjectAccess(ctx, projectId, 'manage');
  const github = await githubFor(ctx);
  const data = await fetchRepo(github, name);
  const project = await mutate(ctx, async (tx, record) => {
    const values = { githubRepoUrl: data.html_url, githubRepoId: String(data.id), updatedBy: ctx.actor.id };
    const [updated] = await tx.update(projects).set(values).where(eq(projects.id, projectId)).returning();
    if (!updated) throw new NotFound('Project');
    record.activity({ action: 'project.github_connected', entityType: 'project', entityId: projectId, teamId: updated.teamId, projectId, before: current, after: updated });
    record.event({
      name: 'projectUpdated',
      teamId: updated.teamId,
      projectId,
      payload: { projectId, changes: { action: 'github_connected', fields: ['githubRepoUrl', 'githubRepoId'], github_repo: data.full_name } },
    });
    return updated;
  });
  return { project, repo: presentRepo(data) };
}

/** The project's repository as GitHub has it now, seen through the caller's account. */
export async function projectRepository(ctx: ServiceContext, projectId: string): Promise<{ project: ProjectRow; repo: RepoInfo }> {
  const project = await requireProjectAccess(ctx, projectId, 'read');
  const { repo, github } = await githubForProject(ctx, project);
  return { project, repo: presentRepo(await fetchRepo(github, repo)) };
}

export interface RepositoryAccess {
  projectId: string;
  projectName: string;
  teamId: string;
  teamName: string | null;
  githubRepoUrl: string | null;
  hasAccess: boolean;
  accessLevel: AccessLevel | null;
  /** Why there is no access, when asking GitHub failed or could not be done. */
  error?: string | undefined;
}

/**
 * Every project the caller can see, with what their own GitHub account may do in its
 * repository. A project without one is "read" (nothing to be refused); one whose
 * repository the caller's account cannot reach, or whose check failed, says so in its
 * own row: the list itself never fails for GitHub's sake. One call per distinct
 * repository, all at once (the client caps how many run together per user).
 */
export async function listRepositoryAccess(ctx: ServiceContext): Promise<RepositoryAccess[]> {
  const visible = await allVisibleProjects(ctx);
  const teamNames = await teamNamesOf(ctx, [...new Set(visible.map((project) => project.teamId))]);
  const session = visible.some((project) => project.githubRepoUrl) ? await ownGitHub(ctx) : undefined;
  // Projects naming one repository (in whatever URL form) share one call.
  const checks = new Map<string, Promise<AccessCheck>>();
  const checkRepo = (url: string): Promise<AccessCheck> => {
    let repo: RepoName;
    try {
      repo = parseRepoUrl(url);
    } catch (error) {
      if (error instanceof DomainError) return Promise.resolve({ level: null, error: error.message });
      throw error;
    }
    const key = fullName(repo).toLowerCase();
    let check = checks.get(key);
    if (!check) {
      check = accessTo(session, repo);
      checks.set(key, check);
    }
    return check;
  };
  return Promise.all(
    visible.map(async (project): Promise<RepositoryAccess> => {
      const base = {
        projectId: project.id,
        projectName: project.name,
        teamId: project.teamId,
        teamName: teamNames.get(project.teamId) ?? null,
        githubRepoUrl: project.githubRepoUrl,
      };
      if (!project.githubRepoUrl) return { ...base, hasAccess: true, accessLevel: 'read' };
      const { level, error } = await checkRepo(project.githubRepoUrl);
      return { ...base, hasAccess: level !== null, accessLevel: level, ...(error !== undefined && { error }) };
    }),
  );
}

/** The caller's own GitHub account, or why there is none: the deployment token says nothing about what they may do. */
async function ownGitHub(ctx: ServiceContext): Promise<GitHubSession | DomainError> {
  try {
    const session = await githubFor(ctx);
    return session.via === 'user' ? session : new GitHubNotConnected();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
}

interface AccessCheck {
  level: AccessLevel | null;
  error?: string;
}

async function accessTo(session: GitHubSession | DomainError | undefined, repo: RepoName): Promise<AccessCheck> {
  if (session === undefined || session instanceof DomainError) return { level: null, error: session?.message ?? new GitHubNotConnected().message };
  try {
    return { level: accessLevelOf(await fetchRepo(session, repo)) };
  } catch (error) {
    if (error instanceof DomainError) return { level: null, error: error.message };
    throw error;
  }
}

async function allVisibleProjects(ctx: ServiceContext): Promise<ProjectRow[]> {
  const all: ProjectRow[] = [];
  for (let page = 1; ; page += 1) {
    const batch = await listProjects(ctx, {}, pageRequest({ page, page_size: MAX_PAGE_SIZE }));
    all.push(...batch.items);
    if (batch.items.length < MAX_PAGE_SIZE || all.length >= batch.total) return all;
  }
}

async function teamNamesOf(ctx: ServiceContext, teamIds: string[]): Promise<Map<string, string>> {
  if (teamIds.length === 0) return new Map();
  const rows = await ctx.db.select({ id: teams.id, name: teams.name }).from(teams).where(inArray(teams.id, teamIds));
  return new Map(rows.map((row) => [row.id, row.name]));
}
