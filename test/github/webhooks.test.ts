import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeature, createTodo, createTodoWithStatus } from '../helpers/content.js';
import { type FakeGitHub, type FakeRepo, startFakeGitHub } from '../helpers/fake-github/index.js';
import { type TestServer, unique } from '../helpers/server.js';
import { type GitHubWorld, connectRepo, githubWorld, projectWithRepoUrl, startGitHubServer } from './github-world.js';

// Response bodies are whatever JSON the server sent.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const SECRET = 'webhook-secret-for-tests';

/** GitHub's signature: HMAC-SHA256 of the exact body under the secret. */
function sign(body: string | Buffer, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

describe('POST /github/webhook', () => {
  let fake: FakeGitHub;
  let server: TestServer;
  let world: GitHubWorld;
  let repo: FakeRepo;
  let projectId: string;

  beforeAll(async () => {
    fake = await startFakeGitHub();
    server = await startGitHubServer(fake, { GITHUB_WEBHOOK_SECRET: SECRET });
    world = await githubWorld(server, fake, unique('hook'));
    repo = fake.addRepo(world.logins.leader, unique('repo-'));
    projectId = await projectWithRepoUrl(server, world, null);
    await connectRepo(server, world, projectId, repo.owner, repo.name);
  });

  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  const repository = () => ({ id: repo.id, name: repo.name, full_name: `${repo.owner}/${repo.name}` });

  interface Delivery {
    event: string;
    payload?: unknown;
    raw?: string;
    id?: string | null;
    signature?: string | null;
    target?: TestServer;
  }

  function deliver({ event, payload, raw, id = randomUUID(), signature, target = server }: Delivery) {
    const body = raw ?? JSON.stringify(payload);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': event };
    if (id !== null) headers['x-github-delivery'] = id;
    const signed = signature === undefined ? sign(body) : signature;
    if (signed !== null) headers['x-hub-signature-256'] = signed;
    return target.request('POST', '/github/webhook', { rawBody: body, headers });
  }

  const todo = async (id: string): Promise<Json> => {
    const read = await server.request('GET', `/todos/${id}`, { token: world.member.token });
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    return read.body;
  };
  const feature = async (id: string): Promise<Json> => (await server.request('GET', `/features/${id}`, { token: world.member.token })).body;
  const pullRequest = (action: string, fields: Record<string, unknown>) => ({
    action,
    number: fields.number,
    pull_request: { html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${String(fields.number)}`, merged: false, body: null, ...fields },
    repository: repository(),
  });
  const issueEvent = (action: string, issue: Record<string, unknown>) => ({ action, issue: { body: null, ...issue }, repository: repository() });

  describe('authenticity', () => {
    it('answers 503 when the server has no webhook secret', async () => {
      const bare = await startGitHubServer(fake);
      try {
        const answer = await deliver({ event: 'ping', payload: { zen: 'hi' }, target: bare });
        expect(answer.status).toBe(503);
        expect(answer.body.detail).toBe('GitHub webhooks are not configured on this server (GITHUB_WEBHOOK_SECRET)');
      } finally {
        await bare.close();
      }
    });

    it('refuses a missing or wrong signature (401) and acts on nothing', async () => {
      const target = await createTodo(server, world.member, { project_id: projectId, title: 'Guarded', github_issue_number: 900 });
      const payload = issueEvent('closed', { number: 900, title: 'Guarded' });
      expect((await deliver({ event: 'issues', payload, signature: null })).status).toBe(401);
      const forged = await deliver({ event: 'issues', payload, signature: sign(JSON.stringify(payload), 'not-the-secret') });
      expect(forged.status).toBe(401);
      expect(forged.body.detail).toContain('X-Hub-Signature-256');
      // Signed, but not this body.
      expect((await deliver({ event: 'issues', raw: `${JSON.stringify(payload)} `, signature: sign(JSON.stringify(payload)) })).status).toBe(401);
      expect(await todo(target.id)).toMatchObject({ status: 'new', version: 1 });
    });

    it('needs X-GitHub-Delivery (400) and JSON (400)', async () => {
      const missing = await deliver({ event: 'ping', payload: { zen: 'x' }, id: null });
      expect(missing.status).toBe(400);
      expect(missing.body.detail).toContain('X-GitHub-Delivery');
      const malformed = await deliver({ event: 'issues', raw: '{"action": "closed",' });
      expect(malformed.status).toBe(400);
      expect(malformed.body.detail).toContain('not valid JSON');
    });

    it('takes payloads beyond the API’s 1 MB body limit, up to 5 MB (413 beyond)', async () => {
      const padded = (bytes: number) => JSON.stringify({ zen: 'x'.repeat(bytes), repository: repository() });
      const large = await deliver({ event: 'ping', raw: padded(2 * 1024 * 1024) });
      expect(large.status, JSON.stringify(large.body)).toBe(200);
      expect((await deliver({ event: 'ping', raw: padded(6 * 1024 * 1024) })).status).toBe(413);
    });

    it('answers a ping with 200', async () => {
      const answer = await deliver({ event: 'ping', payload: { zen: 'Design for failure.', hook_id: 1, repository: repository() } });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ status: 'pong' });
    });
  });

  describe('pull requests', () => {
    it('a merged pull request makes its linked todos done and recounts their feature; a replay acts once', async () => {
      const release = await createFeature(server, world.member, projectId, { name: unique('Release ') });
      const byPr = await createTodo(server, world.member, { project_id: projectId, feature_id: release.id, title: 'Linked by PR', github_pr_number: 41 });
      const byIssue = await createTodo(server, world.member, { project_id: projectId, feature_id: release.id, title: 'Imported issue', github_issue_number: 12 });
      const open = await createTodo(server, world.member, { project_id: projectId, feature_id: release.id, title: 'Still open' });
      const unrelated = await createTodo(server, world.member, { project_id: projectId, title: 'Unrelated', github_issue_number: 13 });

      const payload = pullRequest('closed', { number: 41, merged: true, title: 'Ship the release', body: 'This FIXES #12, and mentions #13.' });
      const id = randomUUID();
      const answer = await deliver({ event: 'pull_request', payload, id });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body).toMatchObject({ status: 'processed', event: 'pull_request', action: 'closed', todos_updated: 2 });

      expect(await todo(byPr.id)).toMatchObject({ status: 'done', version: 2, completed_at: expect.any(String), updated_by: world.leader.id });
      expect(await todo(byIssue.id)).toMatchObject({ status: 'done', version: 2, github_pr_number: 41, github_pr_url: payload.pull_request.html_url });
      expect(await todo(unrelated.id)).toMatchObject({ status: 'new', version: 1 });
      expect(await todo(open.id)).toMatchObject({ status: 'new', version: 1 });
      expect(await feature(release.id)).toMatchObject({ total_todos: 3, completed_todos: 2, progress_percentage: 66, status: 'in_progress' });

      const replay = await deliver({ event: 'pull_request', payload, id });
      expect(replay.status).toBe(200);
      expect(replay.body).toMatchObject({ status: 'duplicate' });
      expect(await todo(byPr.id)).toMatchObject({ version: 2 });
    });

    it('an opened or edited pull request stores its number and URL on the todos it closes', async () => {
      const target = await createTodo(server, world.member, { project_id: projectId, title: 'To be closed', github_issue_number: 20 });
      const other = await createTodo(server, world.member, { project_id: projectId, title: 'Other PR', github_issue_number: 21, github_pr_number: 5 });
      const opened = await deliver({ event: 'pull_request', payload: pullRequest('opened', { number: 50, title: 'closes #20', body: 'Resolves #21' }) });
      expect(opened.body).toMatchObject({ status: 'processed', todos_updated: 1 });
      expect(await todo(target.id)).toMatchObject({ status: 'new', version: 2, github_pr_number: 50, github_pr_url: expect.stringContaining('/pull/50') });
      // Already linked to another pull request: that link stays.
      expect(await todo(other.id)).toMatchObject({ github_pr_number: 5, version: 1 });

      const edited = await deliver({ event: 'pull_request', payload: pullRequest('edited', { number: 50, title: 'closes #20', body: 'now with more words' }) });
      expect(edited.body).toMatchObject({ status: 'processed', todos_updated: 0 });
      expect(await todo(target.id)).toMatchObject({ version: 2 });
    });

    it('ignores a pull request closed without merging, and other actions (202)', async () => {
      const target = await createTodo(server, world.member, { project_id: projectId, title: 'Abandoned', github_pr_number: 60 });
      const closed = await deliver({ event: 'pull_request', payload: pullRequest('closed', { number: 60, merged: false, title: 'Nope' }) });
      expect(closed.status).toBe(202);
      expect(closed.body).toMatchObject({ status: 'ignored', reason: expect.stringContaining('without merging') });
      expect((await deliver({ event: 'pull_request', payload: pullRequest('labeled', { number: 60, title: 'Nope' }) })).status).toBe(202);
      expect(await todo(target.id)).toMatchObject({ status: 'new', version: 1 });
    });
  });

  describe('issues', () => {
    it('edited → the imported todo’s title and description follow; closed → done; reopened → new', async () => {
      const target = await createTodoWithStatus(server, world.member, 'in_progress', { project_id: projectId, title: 'Old title', github_issue_number: 30 });
      const edited = await deliver({ event: 'issues', payload: issueEvent('edited', { number: 30, title: 'New title', body: 'New body' }) });
      expect(edited.body).toMatchObject({ status: 'processed', todos_updated: 1 });
      const afterEdit = await todo(target.id);
      expect(afterEdit).toMatchObject({ title: 'New title', description: 'New body', status: 'in_progress' });

      expect((await deliver({ event: 'issues', payload: issueEvent('closed', { number: 30, title: 'New title', body: 'New body' }) })).status).toBe(200);
      const closed = await todo(target.id);
      expect(closed).toMatchObject({ status: 'done', version: afterEdit.version + 1, completed_at: expect.any(String) });

      expect((await deliver({ event: 'issues', payload: issueEvent('reopened', { number: 30, title: 'New title', body: 'New body' }) })).status).toBe(200);
      expect(await todo(target.id)).toMatchObject({ status: 'new', completed_at: null, version: closed.version + 1 });
    });

    it('ignores other issue actions and unknown events (202)', async () => {
      const labeled = await deliver({ event: 'issues', payload: issueEvent('labeled', { number: 30, title: 'x' }) });
      expect(labeled.status).toBe(202);
      expect(labeled.body).toMatchObject({ status: 'ignored', event: 'issues', action: 'labeled' });
      const star = await deliver({ event: 'star', payload: { action: 'created', repository: repository() } });
      expect(star.status).toBe(202);
      expect(star.body).toMatchObject({ status: 'ignored', event: 'star' });
    });
  });

  it('ignores a repository no project is connected to (202)', async () => {
    const stranger = fake.addRepo(world.logins.leader, unique('stranger-'));
    const answer = await deliver({
      event: 'issues',
      payload: { action: 'closed', issue: { number: 1, title: 't' }, repository: { id: stranger.id, full_name: `${stranger.owner}/${stranger.name}` } },
    });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ status: 'ignored', reason: expect.stringContaining('no project is connected') });
  });
});
