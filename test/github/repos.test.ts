import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeam, loginAdmin } from '../helpers/actors.js';
import { createProject } from '../helpers/content.js';
import { type FakeGitHub, type FakeRepo, startFakeGitHub } from '../helpers/fake-github/index.js';
import { type TestServer, unique } from '../helpers/server.js';
import { type GitHubWorld, connectRepo, githubWorld, projectWithRepoUrl, startGitHubServer } from './github-world.js';

describe('GitHub repositories: connect, read, access list', () => {
  let fake: FakeGitHub;
  let server: TestServer;
  let world: GitHubWorld;
  let owner: string;
  let shop: FakeRepo;

  beforeAll(async () => {
    fake = await startFakeGitHub();
    server = await startGitHubServer(fake);
    world = await githubWorld(server, fake, unique('gh'));
    owner = unique('acme');
    shop = fake.addRepo(owner, 'shop', { private: true, collaborators: { [world.logins.leader]: 'admin', [world.logins.member]: 'write' } });
    fake.addRepo(owner, 'secret', { private: true });
    fake.addRepo(owner, 'open-source');
  });

  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  const connect = (projectId: string, body: Record<string, unknown>, token = world.leader.token, prefix = '') =>
    server.request('POST', `${prefix}/github/projects/${projectId}/connect`, { token, body });
  const repoInfo = (projectId: string, token = world.member.token) => server.request('GET', `/github/projects/${projectId}/repo`, { token });
  const repoRequests = (name: string) => fake.requests.filter((request) => request.method === 'GET' && request.path === `/repos/${owner}/${name}`);

  describe('POST /github/projects/{pid}/connect', () => {
    it('records the repository’s URL and GitHub id on the project and answers the repository', async () => {
      const projectId = await projectWithRepoUrl(server, world, null);
      const connected = await connect(projectId, { owner, repo: 'shop' });
      expect(connected.status, JSON.stringify(connected.body)).toBe(200);
      expect(connected.body).toEqual({
        id: shop.id,
        name: 'shop',
        full_name: `${owner}/shop`,
        owner,
        private: true,
        default_branch: 'main',
        url: `${fake.url}/${owner}/shop`,
      });
      const project = await server.request('GET', `/projects/${projectId}`, { token: world.member.token });
      expect(project.body).toMatchObject({ github_repo_url: `${fake.url}/${owner}/shop`, github_repo_id: String(shop.id) });
    });

    it('works under /v1 too', async () => {
      const projectId = await projectWithRepoUrl(server, world, null);
      expect((await connect(projectId, { owner, repo: 'open-source' }, world.leader.token, '/v1')).status).toBe(200);
    });

    it('answers 404 with the reason for an unknown repository or a private one the account cannot see', async () => {
      const projectId = await projectWithRepoUrl(server, world, null);
      const unknown = await connect(projectId, { owner, repo: 'nope' });
      expect(unknown.status).toBe(404);
      expect(unknown.body.detail).toBe(`Repository ${owner}/nope not found on GitHub, or not visible to your GitHub account`);
      const hidden = await connect(projectId, { owner, repo: 'secret' });
      expect(hidden.status).toBe(404);
      expect(hidden.body.detail).toContain(`${owner}/secret`);
      const project = await server.request('GET', `/projects/${projectId}`, { token: world.leader.token });
      expect(project.body.github_repo_url).toBeNull();
    });

    it('refuses owner and repo names GitHub would not have (400 naming the part)', async () => {
      const projectId = await projectWithRepoUrl(server, world, null);
      const before = fake.requests.length;
      for (const bad of ['-acme', 'ac--me', 'a'.repeat(40), 'ac/me', 'ac me']) {
        const refused = await connect(projectId, { owner: bad, repo: 'shop' });
        expect(refused.status, bad).toBe(400);
        expect(refused.body.detail, bad).toContain(`owner "${bad}"`);
      }
      for (const bad of ['..', '.', 'sh/op', 'sh op', 'x'.repeat(101)]) {
        const refused = await connect(projectId, { owner, repo: bad });
        expect(refused.status, bad).toBe(400);
        expect(refused.body.detail, bad).toContain(`repo "${bad}"`);
      }
      expect(fake.requests.length).toBe(before);
    });

    it('is for team leaders: a member gets 403, another team 404, a caller without GitHub 409', async () => {
      const projectId = await projectWithRepoUrl(server, world, null);
      const member = await connect(projectId, { owner, repo: 'shop' }, world.member.token);
      expect(member.status).toBe(403);
      const outsider = await connect(projectId, { owner, repo: 'shop' }, world.outsider.token);
      expect(outsider.status).toBe(404);
      expect(outsider.body.detail).toBe('Project not found');
      const unconnected = await connect(projectId, { owner, repo: 'shop' }, world.admin.token);
      expect(unconnected.status).toBe(409);
      expect(unconnected.body.detail).toMatch(/^GitHub not connected: /);
    });
  });

  describe('GET /github/projects/{pid}/repo', () => {
    it('answers the repository live for a member', async () => {
      const projectId = await projectWithRepoUrl(server, world, null);
      await connectRepo(server, world, projectId, owner, 'shop');
      const info = await repoInfo(projectId);
      expect(info.status, JSON.stringify(info.body)).toBe(200);
      expect(info.body).toMatchObject({ id: shop.id, full_name: `${owner}/shop`, private: true });
      expect((await repoInfo(projectId, world.outsider.token)).status).toBe(404);
    });

    it('reads https and ssh URLs set by hand', async () => {
      for (const url of [`https://github.com/${owner}/shop.git`, `git@github.com:${owner}/shop.git`, `https://github.com/${owner}/shop/`]) {
        const projectId = await projectWithRepoUrl(server, world, url);
        const info = await repoInfo(projectId);
        expect(info.status, url).toBe(200);
        expect(info.body.full_name).toBe(`${owner}/shop`);
      }
    });

    it('answers 404 without a repository and 400 for a URL that names none', async () => {
      const none = await repoInfo(await projectWithRepoUrl(server, world, null));
      expect(none.status).toBe(404);
      expect(none.body.detail).toBe('Project has no GitHub repository connected');
      for (const url of ['not a url', 'https://github.com/only-owner', `https://github.com/-bad/shop`]) {
        const malformed = await repoInfo(await projectWithRepoUrl(server, world, url));
        expect(malformed.status, url).toBe(400);
        expect(malformed.body.detail, url).toMatch(/^project's GitHub repository URL is not valid: /);
      }
    });

    it('answers 409 for a caller without a GitHub account', async () => {
      const projectId = await projectWithRepoUrl(server, world, `https://github.com/${owner}/shop`);
      const answer = await repoInfo(projectId, world.unconnected.token);
      expect(answer.status).toBe(409);
      expect(answer.body.detail).toMatch(/^GitHub not connected: /);
    });

    it('answers 409, not 401, when GitHub refuses the stored token', async () => {
      const projectId = await projectWithRepoUrl(server, world, `https://github.com/${owner}/shop`);
      fake.failNext({ method: 'GET', path: new RegExp(`^/repos/${owner}/shop$`), kind: 'unauthorized', times: 1 });
      const refused = await repoInfo(projectId);
      expect(refused.status).toBe(409);
      expect(refused.body.detail).toMatch(/^GitHub not connected: GitHub refused the token/);
    });

    it('retries a GitHub 500 and waits out a secondary rate limit, then answers', async () => {
      const projectId = await projectWithRepoUrl(server, world, `https://github.com/${owner}/shop`);
      const before = repoRequests('shop').length;
      fake.failNext({ method: 'GET', path: new RegExp(`^/repos/${owner}/shop$`), kind: 'server-error', times: 1 });
      expect((await repoInfo(projectId)).status).toBe(200);
      expect(repoRequests('shop').length - before).toBe(2);
      fake.failNext({ method: 'GET', path: new RegExp(`^/repos/${owner}/shop$`), kind: 'secondary-rate-limit', times: 1 });
      expect((await repoInfo(projectId)).status).toBe(200);
      expect(repoRequests('shop').length - before).toBe(4);
    });

    it('answers 502 with the reason when GitHub keeps failing', async () => {
      const projectId = await projectWithRepoUrl(server, world, `https://github.com/${owner}/shop`);
      // One call and its two retries.
      fake.failNext({ method: 'GET', path: new RegExp(`^/repos/${owner}/shop$`), kind: 'server-error', times: 3 });
      const failed = await repoInfo(projectId);
      expect(failed.status).toBe(502);
      expect(failed.body.detail).toMatch(/^GitHub failed \(HTTP 500\)/);
      expect((await repoInfo(projectId)).status).toBe(200);
    });

    it('uses the deployment’s GITHUB_TOKEN for a caller without an account, and answers 502 when GitHub is too slow', async () => {
      const { token } = fake.addUser(unique('deploy-'));
      const withToken = await startGitHubServer(fake, { GITHUB_TOKEN: token, GITHUB_REQUEST_TIMEOUT_MS: '300' });
      try {
        const admin = await loginAdmin(withToken);
        const projectId = await createProject(withToken, admin, (await createTeam(withToken, admin)).id, { github_repo_url: `https://github.com/${owner}/open-source` });
        const read = await withToken.request('GET', `/github/projects/${projectId}/repo`, { token: admin.token });
        expect(read.status, JSON.stringify(read.body)).toBe(200);
        fake.setDelay(500);
        const slow = await withToken.request('GET', `/github/projects/${projectId}/repo`, { token: admin.token });
        expect(slow.status).toBe(502);
        expect(slow.body.detail).toBe('GitHub did not answer within 300 ms');
      } finally {
        fake.setDelay(0);
        await withToken.close();
      }
    });

    it('sends If-None-Match on a repeated read, and GitHub’s 304 still answers the repository', async () => {
      const projectId = await projectWithRepoUrl(server, world, `https://github.com/${owner}/open-source`);
      const first = await repoInfo(projectId);
      const second = await repoInfo(projectId);
      expect(second.status).toBe(200);
      expect(second.body).toEqual(first.body);
      const [, last] = repoRequests('open-source').slice(-2);
      expect(last!.headers['if-none-match']).toMatch(/^"[0-9a-f]+"$/);
    });
  });

  describe('GET /github/projects/access', () => {
    const accessOf = async (token: string) => {
      const answer = await server.request('GET', '/github/projects/access', { token });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(Array.isArray(answer.body)).toBe(true);
      return new Map<string, Record<string, unknown>>(answer.body.map((row: { project_id: string }) => [row.project_id, row]));
    };

    it('lists each visible project with the caller’s own access to its repository', async () => {
      const plain = await projectWithRepoUrl(server, world, null);
      const writable = await projectWithRepoUrl(server, world, `https://github.com/${owner}/shop`);
      const hidden = await projectWithRepoUrl(server, world, `https://github.com/${owner}/secret`);
      const readable = await projectWithRepoUrl(server, world, `https://github.com/${owner}/open-source`);
      const rows = await accessOf(world.member.token);
      expect(rows.get(plain)).toMatchObject({ project_id: plain, team_id: world.teamId, github_repo_url: null, has_access: true, access_level: 'read' });
      expect(typeof rows.get(plain)!.team_name).toBe('string');
      expect(typeof rows.get(plain)!.project_name).toBe('string');
      expect(rows.get(writable)).toMatchObject({ has_access: true, access_level: 'write' });
      expect(rows.get(hidden)).toMatchObject({ has_access: false, access_level: null });
      expect(rows.get(hidden)!.error).toContain(`${owner}/secret`);
      expect(rows.get(readable)).toMatchObject({ has_access: true, access_level: 'read' });
      expect((await accessOf(world.leader.token)).get(writable)).toMatchObject({ access_level: 'admin' });
      expect((await accessOf(world.outsider.token)).has(plain)).toBe(false);
    });

    it('answers a caller without GitHub: no access where there is a repository, read where there is none', async () => {
      const plain = await projectWithRepoUrl(server, world, null);
      const withRepo = await projectWithRepoUrl(server, world, `https://github.com/${owner}/shop`);
      const rows = await accessOf(world.unconnected.token);
      expect(rows.get(plain)).toMatchObject({ has_access: true, access_level: 'read' });
      expect(rows.get(withRepo)).toMatchObject({ has_access: false, access_level: null });
      expect(rows.get(withRepo)!.error).toMatch(/^GitHub not connected: /);
    });

    it('keeps the list when GitHub fails for one repository or a URL is malformed', async () => {
      const failing = await projectWithRepoUrl(server, world, `https://github.com/${owner}/shop`);
      const malformed = await projectWithRepoUrl(server, world, 'ftp://example.com/x');
      const fine = await projectWithRepoUrl(server, world, `https://github.com/${owner}/open-source`);
      fake.failNext({ method: 'GET', path: new RegExp(`^/repos/${owner}/shop$`), kind: 'server-error', times: 3 });
      const rows = await accessOf(world.member.token);
      expect(rows.get(failing)).toMatchObject({ has_access: false, access_level: null });
      expect(rows.get(failing)!.error).toMatch(/^GitHub failed/);
      expect(rows.get(malformed)).toMatchObject({ has_access: false, access_level: null });
      expect(rows.get(fine)).toMatchObject({ has_access: true, access_level: 'read' });
    });
  });
});
