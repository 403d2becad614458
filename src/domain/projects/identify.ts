import { type SQL, and, desc, inArray, isNotNull, sql } from 'drizzle-orm';
import { projects } from '../../db/schema.js';
import { type ProjectRow, boundProjectId, readableTeamIds } from '../access.js';
import type { ServiceContext } from '../context.js';
import { RuleViolation } from '../errors.js';
import { isUuid } from '../ids.js';
import { getProject } from './service.js';

/**
 * Which project a workspace belongs to, from what the agent can tell us about it
 * (the server reads no files, DECISIONS.md "MCP"): an id it knows, the content of
 * `.intracker/config.json`, the git remote, the workspace folder's name. One
 * operation for every tool that needs it; each tool words the outcome its own way.
 */

export interface ProjectHints {
  projectId?: string | undefined;
  configJson?: string | undefined;
  gitRemoteUrl?: string | undefined;
  path?: string | undefined;
}

export type IdentifyMethod = 'project_id' | 'bound_project' | 'config' | 'git_remote' | 'folder_name';

export type Identification =
  | { kind: 'found'; project: ProjectRow; method: IdentifyMethod }
  | { kind: 'ambiguous'; matches: ProjectRow[]; method: 'git_remote' | 'folder_name' }
  | { kind: 'none'; tried: { method: 'git_remote' | 'folder_name'; value: string }[] };

/** Enough to name the candidates of an ambiguous match; an agent picks one by id. */
const MATCH_CAP = 20;

/** `github.com/owner/repo` in lower case from https, ssh or scp-style remotes; undefined otherwise. */
export function normalizeGitRemote(url: string): string | undefined {
  const match = /^(?:[a-z+]+:\/\/)?(?:[^@/]+@)?([^/:]+)[/:](?:\d+\/)?([^/]+)\/([^/]+?)(?:\.git)?\/?$/i.exec(url.trim());
  if (!match) return undefined;
  return `${match[1]}/${match[2]}/${match[3]}`.toLowerCase();
}

/** The last segment of a workspace path, either separator, trailing ones ignored. */
export function workspaceFolder(path: string): string {
  return path.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '';
}

/** The project id of a `.intracker/config.json`; a file that is not JSON or names no id is refused. */
export function projectIdFromConfig(configJson: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(configJson);
  } catch {
    throw new RuleViolation('configJson is not valid JSON: pass the content of .intracker/config.json, e.g. {"project_id": "…"}');
  }
  const record = (parsed ?? {}) as Record<string, unknown>;
  const id = record.project_id ?? record.projectId;
  if (!isUuid(id)) throw new RuleViolation('configJson has no valid "project_id": expected {"project_id": "<uuid>"}');
  return id;
}

/**
 * From the strongest hint to the weakest: the explicit id, the bound project (unless
 * a config file says otherwise), the config file's id, the git remote, the folder
 * name. An id the caller may not read is "Project not found", like everywhere.
 */
export async function identifyProject(ctx: ServiceContext, hints: ProjectHints): Promise<Identification> {
  const bound = boundProjectId(ctx);
  if (hints.projectId !== undefined) return { kind: 'found', project: await getProject(ctx, hints.projectId), method: 'project_id' };
  if (hints.configJson !== undefined) {
    return { kind: 'found', project: await getProject(ctx, projectIdFromConfig(hints.configJson)), method: 'config' };
  }
  if (bound) return { kind: 'found', project: await getProject(ctx, bound), method: 'bound_project' };
  const tried: { method: 'git_remote' | 'folder_name'; value: string }[] = [];
  if (hints.gitRemoteUrl) {
    tried.push({ method: 'git_remote', value: hints.gitRemoteUrl });
    const remote = normalizeGitRemote(hints.gitRemoteUrl);
    if (remote) {
      const ownerRepo = remote.slice(remote.indexOf('/') + 1);
      // The database narrows to URLs containing owner/repo; the exact spelling is compared
      // here, before the cap, so near-misses can never crowd the real match out.
      const rows = await readableProjects(ctx, and(isNotNull(projects.githubRepoUrl), sql`strpos(lower(${projects.githubRepoUrl}), ${ownerRepo}) > 0`)!);
      const matches = rows.filter((project) => project.githubRepoUrl && normalizeGitRemote(project.githubRepoUrl) === remote).slice(0, MATCH_CAP);
      if (matches.length === 1) return { kind: 'found', project: matches[0]!, method: 'git_remote' };
      if (matches.length > 1) return { kind: 'ambiguous', matches, method: 'git_remote' };
    }
  }
  if (hints.path) {
    const folder = workspaceFolder(hints.path);
    tried.push({ method: 'folder_name', value: folder });
    if (folder !== '') {
      const matches = await readableProjects(ctx, sql`lower(${projects.name}) = lower(${folder})`, MATCH_CAP);
      if (matches.length === 1) return { kind: 'found', project: matches[0]!, method: 'folder_name' };
      if (matches.length > 1) return { kind: 'ambiguous', matches, method: 'folder_name' };
    }
  }
  return { kind: 'none', tried };
}

/**
 * The caller's readable projects meeting `where`, newest first, at most `limit`. A bound
 * scope never gets here: `identifyProject` answers with the bound project first.
 */
async function readableProjects(ctx: ServiceContext, where: SQL, limit?: number): Promise<ProjectRow[]> {
  const teams = await readableTeamIds(ctx);
  if (teams !== 'all' && teams.length === 0) return [];
  const conditions = teams === 'all' ? [where] : [where, inArray(projects.teamId, teams)];
  const query = ctx.db.select().from(projects).where(and(...conditions)).orderBy(desc(projects.createdAt), desc(projects.id));
  return limit === undefined ? query : query.limit(limit);
}
