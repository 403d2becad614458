import type { ProjectRow } from '../access.js';
import type { ServiceContext } from '../context.js';
import { DomainError } from '../errors.js';
import { GitHubResourceMissing } from '../../integrations/github/errors.js';
import { type GitHubSession, githubFor } from './connection.js';
import { type RepoName, parseRepoUrl } from './names.js';

/** The project records no repository (404: there is nothing on GitHub to act on). */
export class NoRepositoryConnected extends DomainError {
  readonly status = 404;
  constructor() {
    super('Project has no GitHub repository connected');
  }
}

/** The repository the project records; 404 when none, 400 when its URL names none. */
export function repoOfProject(project: ProjectRow): RepoName {
  if (!project.githubRepoUrl) throw new NoRepositoryConnected();
  return parseRepoUrl(project.githubRepoUrl);
}

export interface ProjectGitHub {
  repo: RepoName;
  github: GitHubSession;
}

/** The project's repository and a GitHub client acting for the caller (409 when they have none). */
export async function githubForProject(ctx: ServiceContext, project: ProjectRow): Promise<ProjectGitHub> {
  const repo = repoOfProject(project);
  return { repo, github: await githubFor(ctx) };
}

/**
 * Runs a GitHub call whose 404 means `what` is missing (or hidden from the caller's
 * account), answering that in our words; every other failure passes through.
 */
export async function lookingFor<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof GitHubResourceMissing) throw new GitHubResourceMissingAs(what);
    throw error;
  }
}

class GitHubResourceMissingAs extends DomainError {
  readonly status = 404;
  constructor(what: string) {
    super(`${what} not found on GitHub, or not visible to your GitHub account`);
  }
}

export function fullName(repo: RepoName): string {
  return `${repo.owner}/${repo.repo}`;
}
