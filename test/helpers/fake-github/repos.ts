import type { FastifyInstance } from 'fastify';
import {
  type RepoParams,
  type RouteContext,
  authorizeRepo,
  bodyFields,
  nodeId,
  paginate,
  repoApiUrl,
  repoHtmlUrl,
  sendMessage,
  sendNotFound,
  sendRequiresAuthentication,
  sendValidationFailed,
  stringField,
} from './http.js';
import type { FakeCommit, FakeRepo } from './state.js';

/** Branch names may hold slashes (feature/login), so they are wildcard routes. */
interface WildcardParams extends RepoParams {
  '*': string;
}

const BRANCH_REF_PREFIX = 'refs/heads/';

/** `/user`, repositories, branches, git refs and compare. */
export function registerRepoRoutes(app: FastifyInstance, context: RouteContext): void {
  const { state } = context;

  const commitView = (repo: FakeRepo, commit: FakeCommit) => ({
    sha: commit.sha,
    node_id: nodeId('Commit', commit.sha),
    url: `${repoApiUrl(context, repo)}/commits/${commit.sha}`,
    html_url: `${repoHtmlUrl(context, repo)}/commit/${commit.sha}`,
    commit: { message: commit.message, author: { name: 'Fake Author', email: 'author@example.com', date: commit.date } },
  });

  const refView = (repo: FakeRepo, branch: string, sha: string) => ({
    ref: `${BRANCH_REF_PREFIX}${branch}`,
    node_id: nodeId('Ref', repo.id),
    url: `${repoApiUrl(context, repo)}/git/refs/heads/${branch}`,
    object: { sha, type: 'commit', url: `${repoApiUrl(context, repo)}/git/commits/${sha}` },
  });

  /** A branch name, or a sha the repository knows: what compare accepts on each side. */
  const resolveCommit = (repo: FakeRepo, name: string): FakeCommit | undefined => state.branchCommit(repo, name) ?? state.commit(repo, name);

  app.get('/user', async (request, reply) => {
    const user = context.callerOf(request);
    if (!user) return sendRequiresAuthentication(reply);
    return { ...user, node_id: nodeId('User', user.id), type: 'User', html_url: `${context.baseUrl()}/${user.login}` };
  });

  app.get<{ Params: RepoParams }>('/repos/:owner/:repo', async (request, reply) => {
    const repo = authorizeRepo(context, request, reply, 'read');
    if (!repo) return reply;
    const caller = context.callerOf(request);
    const permission = state.permissionOf(repo, caller?.login);
    return {
      id: repo.id,
      node_id: nodeId('Repository', repo.id),
      name: repo.name,
      full_name: `${repo.owner}/${repo.name}`,
      owner: { login: repo.owner, id: state.accountId(repo.owner) },
      private: repo.private,
      visibility: repo.private ? 'private' : 'public',
      default_branch: repo.default_branch,
      url: repoApiUrl(context, repo),
      html_url: repoHtmlUrl(context, repo),
      clone_url: `${repoHtmlUrl(context, repo)}.git`,
      // GitHub only tells signed-in callers what they may do.
      ...(caller && { permissions: { admin: permission === 'admin', push: permission === 'admin' || permission === 'write', pull: true } }),
    };
  });

  app.get<{ Params: RepoParams }>('/repos/:owner/:repo/branches', async (request, reply) => {
    const repo = authorizeRepo(context, request, reply, 'read');
    if (!repo) return reply;
    const names = [...repo.branches.keys()].sort();
    return paginate(context, request, reply, names).map((name) => {
      const sha = repo.branches.get(name) ?? '';
      return { name, commit: { sha, url: `${repoApiUrl(context, repo)}/commits/${sha}` }, protected: false };
    });
  });

  app.get<{ Params: WildcardParams }>('/repos/:owner/:repo/branches/*', async (request, reply) => {
    const repo = authorizeRepo(context, request, reply, 'read');
    if (!repo) return reply;
    const name = request.params['*'];
    const commit = state.branchCommit(repo, name);
    if (!commit) return sendNotFound(reply, 'Branch not found');
    return { name, commit: commitView(repo, commit), protected: false };
  });

  app.get<{ Params: WildcardParams }>('/repos/:owner/:repo/git/ref/*', async (request, reply) => {
    const repo = authorizeRepo(context, request, reply, 'read');
    if (!repo) return reply;
    const ref = request.params['*'];
    const branch = ref.startsWith('heads/') ? ref.slice('heads/'.length) : undefined;
    const sha = branch === undefined ? undefined : repo.branches.get(branch);
    if (branch === undefined || sha === undefined) return sendNotFound(reply);
    return refView(repo, branch, sha);
  });

  app.post<{ Params: RepoParams }>('/repos/:owner/:repo/git/refs', async (request, reply) => {
    const repo = authorizeRepo(context, request, reply, 'write');
    if (!repo) return reply;
    const fields = bodyFields(request);
    const ref = stringField(fields, 'ref');
    const sha = stringField(fields, 'sha');
    if (ref === undefined) return sendValidationFailed(reply, 'Reference', 'ref');
    if (sha === undefined) return sendValidationFailed(reply, 'Reference', 'sha');
    // Only branches are modelled: tags and other refs have no endpoint here to read them back.
    if (!ref.startsWith(BRANCH_REF_PREFIX) || ref.length === BRANCH_REF_PREFIX.length) {
      return sendMessage(reply, 422, `Reference name must start with '${BRANCH_REF_PREFIX}' in this fake`);
    }
    const branch = ref.slice(BRANCH_REF_PREFIX.length);
    if (repo.branches.has(branch)) return sendMessage(reply, 422, 'Reference already exists');
    if (!resolveCommit(repo, sha)) return sendMessage(reply, 422, 'Object does not exist');
    repo.branches.set(branch, sha);
    return reply.code(201).send(refView(repo, branch, sha));
  });

  app.get<{ Params: WildcardParams }>('/repos/:owner/:repo/compare/*', async (request, reply) => {
    const repo = authorizeRepo(context, request, reply, 'read');
    if (!repo) return reply;
    const [baseName, headName, ...extra] = request.params['*'].split('...');
    const base = baseName === undefined ? undefined : resolveCommit(repo, baseName);
    const head = headName === undefined ? undefined : resolveCommit(repo, headName);
    if (!base || !head || extra.length > 0) return sendNotFound(reply);

    const baseHistory = state.history(repo, base.sha);
    const headHistory = state.history(repo, head.sha);
    const inBase = new Set(baseHistory.map((commit) => commit.sha));
    const inHead = new Set(headHistory.map((commit) => commit.sha));
    const ahead = headHistory.filter((commit) => !inBase.has(commit.sha));
    const behindBy = baseHistory.filter((commit) => !inHead.has(commit.sha)).length;
    const status = ahead.length === 0 ? (behindBy === 0 ? 'identical' : 'behind') : behindBy === 0 ? 'ahead' : 'diverged';
    return {
      url: `${repoApiUrl(context, repo)}/compare/${baseName}...${headName}`,
      html_url: `${repoHtmlUrl(context, repo)}/compare/${baseName}...${headName}`,
      status,
      ahead_by: ahead.length,
      behind_by: behindBy,
      total_commits: ahead.length,
      commits: ahead.map((commit) => commitView(repo, commit)),
    };
  });
}
