import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeature } from '../helpers/content.js';
import { type FakeGitHub, type FakeRepo, startFakeGitHub } from '../helpers/fake-github/index.js';
import { type TestServer, unique } from '../helpers/server.js';
import { type GitHubWorld, connectRepo, githubWorld, projectWithRepoUrl, startGitHubServer } from './github-world.js';

describe('GitHub branches', () => {
  let fake: FakeGitHub;
  let server: TestServer;
  let world: GitHubWorld;
  let owner: string;
  let shop: FakeRepo;
  let projectId: string;

  beforeAll(async () => {
    fake = await startFakeGitHub();
    server = await startGitHubServer(fake);
    world = await githubWorld(server, fake, unique('br'));
    owner = unique('acme');
    shop = fake.addRepo(owner, 'shop', { private: true, collaborators: { [world.logins.leader]: 'admin', [world.logins.member]: 'write' } });
    fake.addRepo(owner, 'read-only');
    projectId = await projectWithRepoUrl(server, world, null);
    await connectRepo(server, world, projectId, owner, 'shop');
  });

  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  const create = (body: Record<string, unknown>, token = world.member.token) => server.request('POST', '/github/branches', { token, body });

  describe('POST /github/branches', () => {
    it('creates the branch on GitHub at the base branch’s tip and records it for the feature', async () => {
      const feature = await createFeature(server, world.leader, projectId);
      const created = await create({ feature_id: feature.id, branch_name: 'feature/login' });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const mainSha = shop.branches.get('main');
      expect(created.body).toEqual({ id: expect.any(String), name: 'feature/login', sha: mainSha, feature_id: feature.id, status: 'active' });
      expect(shop.branches.get('feature/login')).toBe(mainSha);
    });

    it('starts from another branch when asked, and says 404 for a base branch that is not there', async () => {
      const feature = await createFeature(server, world.leader, projectId);
      fake.setBranchCommits(shop, 'develop', [{ sha: 'd'.repeat(40), message: 'develop work' }]);
      const created = await create({ feature_id: feature.id, branch_name: 'feature/from-develop', from_branch: 'develop' });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.sha).toBe('d'.repeat(40));
      const missing = await create({ feature_id: feature.id, branch_name: 'feature/orphan', from_branch: 'nope' });
      expect(missing.status).toBe(404);
      expect(missing.body.detail).toContain('Branch "nope"');
    });

    it('answers 409 for a branch that already exists on GitHub', async () => {
      const feature = await createFeature(server, world.leader, projectId);
      expect((await create({ feature_id: feature.id, branch_name: 'feature/twice' })).status).toBe(201);
      const again = await create({ feature_id: feature.id, branch_name: 'feature/twice' });
      expect(again.status).toBe(409);
      expect(again.body.detail).toContain('branch already exists');
    });

    it('refuses names git would refuse (400) before asking GitHub', async () => {
      const feature = await createFeature(server, world.leader, projectId);
      const before = fake.requests.length;
      for (const bad of ['bad..name', 'has space', 'ends/', '/starts', '-dash', 'x.lock', 'a/.hidden', 'what?', 'at@{x}', 'tilde~1', 'dot.', '@']) {
        const refused = await create({ feature_id: feature.id, branch_name: bad });
        expect(refused.status, bad).toBe(400);
        expect(refused.body.detail, bad).toContain('branch_name');
      }
      const badBase = await create({ feature_id: feature.id, branch_name: 'fine', from_branch: 'x..y' });
      expect(badBase.status).toBe(400);
      expect(badBase.body.detail).toContain('from_branch');
      expect(fake.requests.length).toBe(before);
    });

    it('hides another team’s feature (404) and says 409 for a caller without GitHub', async () => {
      const feature = await createFeature(server, world.leader, projectId);
      const outsider = await create({ feature_id: feature.id, branch_name: 'feature/x' }, world.outsider.token);
      expect(outsider.status).toBe(404);
      expect(outsider.body.detail).toBe('Feature not found');
      const unconnected = await create({ feature_id: feature.id, branch_name: 'feature/x' }, world.unconnected.token);
      expect(unconnected.status).toBe(409);
      expect(unconnected.body.detail).toMatch(/^GitHub not connected: /);
    });

    it('passes on GitHub’s 403 when the account may only read the repository', async () => {
      const readOnlyProject = await projectWithRepoUrl(server, world, null);
      await connectRepo(server, world, readOnlyProject, owner, 'read-only');
      const feature = await createFeature(server, world.leader, readOnlyProject);
      const refused = await create({ feature_id: feature.id, branch_name: 'feature/nope' });
      expect(refused.status).toBe(403);
      expect(refused.body.detail).toMatch(/^GitHub refused: /);
    });

    it('answers 404 when the feature’s project has no repository', async () => {
      const bare = await projectWithRepoUrl(server, world, null);
      const feature = await createFeature(server, world.leader, bare);
      const answer = await create({ feature_id: feature.id, branch_name: 'feature/x' });
      expect(answer.status).toBe(404);
      expect(answer.body.detail).toBe('Project has no GitHub repository connected');
    });
  });

  describe('reading branches', () => {
    let featureId: string;
    let branchId: string;

    beforeAll(async () => {
      featureId = (await createFeature(server, world.leader, projectId)).id;
      const created = await create({ feature_id: featureId, branch_name: 'feature/read-me' });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      branchId = created.body.id;
    });

    it('GET /github/projects/{pid}/branches pages through the recorded branches', async () => {
      const all = await server.request('GET', `/github/projects/${projectId}/branches?page_size=100`, { token: world.member.token });
      expect(all.status, JSON.stringify(all.body)).toBe(200);
      expect(all.body.branches).toContainEqual({ id: branchId, name: 'feature/read-me', sha: shop.branches.get('main'), feature_id: featureId, status: 'active' });
      expect(all.body.count).toBe(all.body.branches.length);
      const first = await server.request('GET', `/github/projects/${projectId}/branches?page=1&page_size=1`, { token: world.member.token });
      expect(first.body).toMatchObject({ total: all.body.total, page: 1, page_size: 1, count: 1 });
      expect(first.body.branches[0].name).toBe('feature/read-me');
      expect((await server.request('GET', `/github/projects/${projectId}/branches`, { token: world.outsider.token })).status).toBe(404);
      expect((await server.request('GET', `/github/projects/${projectId}/branches?page_size=0`, { token: world.member.token })).status).toBe(422);
    });

    it('GET /github/features/{fid}/branches lists the feature’s branches', async () => {
      const listed = await server.request('GET', `/github/features/${featureId}/branches`, { token: world.member.token });
      expect(listed.status).toBe(200);
      expect(listed.body).toEqual({ branches: [{ id: branchId, name: 'feature/read-me', sha: shop.branches.get('main'), status: 'active' }], count: 1 });
      expect((await server.request('GET', `/github/features/${featureId}/branches`, { token: world.outsider.token })).status).toBe(404);
    });

    it('GET /github/branches/{id} adds GitHub’s live view', async () => {
      fake.setBranchCommits(shop, 'feature/read-me', [{ sha: 'e'.repeat(40), message: 'work on it' }]);
      const branch = await server.request('GET', `/github/branches/${branchId}`, { token: world.member.token });
      expect(branch.status, JSON.stringify(branch.body)).toBe(200);
      expect(branch.body).toMatchObject({ id: branchId, name: 'feature/read-me', feature_id: featureId, status: 'active' });
      expect(branch.body.github_info).toMatchObject({ name: 'feature/read-me', sha: 'e'.repeat(40), protected: false, commit: { message: 'work on it' } });
      expect((await server.request('GET', `/github/branches/${branchId}`, { token: world.outsider.token })).status).toBe(404);
    });

    it('still answers the row, with github_info null, when GitHub fails or the caller has no GitHub', async () => {
      fake.failNext({ method: 'GET', path: /\/branches\/feature\/read-me$/, kind: 'server-error', times: 3 });
      const failing = await server.request('GET', `/github/branches/${branchId}`, { token: world.member.token });
      expect(failing.status).toBe(200);
      expect(failing.body).toMatchObject({ id: branchId, github_info: null });
      const unconnected = await server.request('GET', `/github/branches/${branchId}`, { token: world.unconnected.token });
      expect(unconnected.status).toBe(200);
      expect(unconnected.body).toMatchObject({ id: branchId, name: 'feature/read-me', github_info: null });
    });
  });
});
