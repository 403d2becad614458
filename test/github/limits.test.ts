import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github/index.js';
import { type TestServer, unique } from '../helpers/server.js';
import { type GitHubWorld, connectRepo, githubWorld, projectWithRepoUrl, startGitHubServer } from './github-world.js';

/** Polls `condition` until it holds (or fails the test after 10 s). */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('GitHub calls: a concurrency cap per user', () => {
  let fake: FakeGitHub;
  let server: TestServer;
  let world: GitHubWorld;
  let projectId: string;
  let owner: string;

  beforeAll(async () => {
    fake = await startFakeGitHub();
    server = await startGitHubServer(fake, { GITHUB_MAX_CONCURRENCY_PER_USER: '2' });
    world = await githubWorld(server, fake, unique('cap'));
    owner = unique('cap-org');
    fake.addRepo(owner, 'shop');
    projectId = await projectWithRepoUrl(server, world, null);
    await connectRepo(server, world, projectId, owner, 'shop');
  });

  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  const repoInfo = (token: string) => server.request('GET', `/github/projects/${projectId}/repo`, { token });
  const repoCalls = () => fake.requests.filter((request) => request.path === `/repos/${owner}/shop`);
  /** The Authorization header our server sends GitHub for this user (learned from one call). */
  async function githubAuthorizationOf(token: string): Promise<string> {
    expect((await repoInfo(token)).status).toBe(200);
    return repoCalls().at(-1)?.headers.authorization ?? '';
  }

  it('runs at most the cap of one user’s calls at once, while another user’s call goes straight through', async () => {
    const memberAuth = await githubAuthorizationOf(world.member.token);
    const leaderAuth = await githubAuthorizationOf(world.leader.token);
    const seenBefore = repoCalls().length;
    const callsBy = (authorization: string) => repoCalls().slice(seenBefore).filter((call) => call.headers.authorization === authorization).length;

    // GitHub holds every answer for a second: the member's four calls can only queue.
    fake.setDelay(1000);
    const memberCalls = Array.from({ length: 4 }, () => repoInfo(world.member.token));
    await until(() => callsBy(memberAuth) === 2);
    const leaderCall = repoInfo(world.leader.token);
    await until(() => callsBy(leaderAuth) === 1);
    // The leader's call reached GitHub while the member's first two were still waiting on it.
    expect(callsBy(memberAuth)).toBe(2);

    expect((await leaderCall).status).toBe(200);
    const answers = await Promise.all(memberCalls);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect(callsBy(memberAuth)).toBe(4);
    fake.setDelay(0);
  });
});
