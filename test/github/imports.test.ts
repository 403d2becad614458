import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, type FakeRepo, startFakeGitHub } from '../helpers/fake-github/index.js';
import { type TestServer, unique } from '../helpers/server.js';
import { callTool, connectMcp, createMcpKey, fails, ok } from '../mcp/helpers.js';
import { connectSignalR } from '../realtime/helpers.js';
import { type GitHubWorld, connectRepo, githubWorld, projectWithRepoUrl, startGitHubServer } from './github-world.js';

// Response bodies are whatever JSON the server sent.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('GitHub imports: issues → todos, milestones → features', () => {
  let fake: FakeGitHub;
  let server: TestServer;
  let world: GitHubWorld;
  let agent: Client;
  let readOnlyAgent: Client;
  let unconnectedAgent: Client;

  beforeAll(async () => {
    fake = await startFakeGitHub();
    server = await startGitHubServer(fake, { JOBS_POLL_MS: '20', JOBS_BACKOFF_MS: '10', JOBS_ATTEMPTS: '2' });
    world = await githubWorld(server, fake, unique('imp'));
    agent = await connectMcp(server, await createMcpKey(server, world.member, { tool_profile: 'all' }));
    readOnlyAgent = await connectMcp(server, await createMcpKey(server, world.leader, { tool_profile: 'all', read_only: true }));
    unconnectedAgent = await connectMcp(server, await createMcpKey(server, world.unconnected, { tool_profile: 'all' }));
  });

  afterAll(async () => {
    await Promise.all([agent?.close(), readOnlyAgent?.close(), unconnectedAgent?.close()]);
    await server?.close();
    await fake?.close();
  });

  /** A repository of the leader's (the member may write to it), connected to a new project. */
  async function connectedProject(): Promise<{ repo: FakeRepo; projectId: string }> {
    const repo = fake.addRepo(world.logins.leader, unique('repo-'), { collaborators: { [world.logins.member]: 'write' } });
    const projectId = await projectWithRepoUrl(server, world, null);
    await connectRepo(server, world, projectId, repo.owner, repo.name);
    return { repo, projectId };
  }

  const todosOf = async (projectId: string): Promise<Json[]> => {
    const listed = await server.request('GET', `/todos?project_id=${projectId}&page_size=100`, { token: world.member.token });
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    return listed.body.todos;
  };
  const byIssue = (todos: Json[], number: number) => todos.find((todo) => todo.github_issue_number === number);
  const featuresOf = async (projectId: string): Promise<Json[]> => {
    const listed = await server.request('GET', `/features/project/${projectId}?page_size=100`, { token: world.member.token });
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    return listed.body.features;
  };
  const elementsOf = async (projectId: string): Promise<Json[]> => {
    const tree = await server.request('GET', `/elements/project/${projectId}/tree`, { token: world.member.token });
    expect(tree.status, JSON.stringify(tree.body)).toBe(200);
    return tree.body.elements ?? tree.body;
  };
  const importIssues = (projectId: string, args: Record<string, unknown> = {}) => ok(agent, 'mcp_import_github_issues', { projectId, ...args });
  const importMilestones = (projectId: string, args: Record<string, unknown> = {}) => ok(agent, 'mcp_import_github_milestones', { projectId, ...args });
  const startJob = (projectId: string, kind: 'issues' | 'milestones', body: Record<string, unknown> = {}, token = world.member.token, prefix = '') =>
    server.request('POST', `${prefix}/github/projects/${projectId}/import/${kind}`, { token, body });

  async function settled(jobId: string, token = world.member.token): Promise<Json> {
    for (let tries = 0; tries < 500; tries += 1) {
      const read = await server.request('GET', `/tasks/${jobId}`, { token });
      expect(read.status, JSON.stringify(read.body)).toBe(200);
      if (read.body.task.status === 'completed' || read.body.task.status === 'failed') return read.body;
      await sleep(20);
    }
    throw new Error(`task ${jobId} did not finish`);
  }

  describe('issues', () => {
    it('imports once; a second run changes nothing; a change at GitHub updates exactly that todo', async () => {
      const { repo, projectId } = await connectedProject();
      const login = fake.addIssue(repo, { title: 'Login fails', body: 'Steps to reproduce', labels: ['Bug'] });
      const dark = fake.addIssue(repo, { title: 'Add dark mode' });
      const old = fake.addIssue(repo, { title: 'Old thing', state: 'closed', closed_at: new Date().toISOString() });
      const pull = fake.addPull(repo, { title: 'Fix login', head: 'fix-login' });

      const first = await importIssues(projectId, { state: 'all' });
      expect(first).toMatchObject({ success: true, todos_created: 3, todos_updated: 0, todos_unchanged: 0, elements_created: 0, truncated: false });
      const todos = await todosOf(projectId);
      expect(todos).toHaveLength(3);
      expect(byIssue(todos, pull.number)).toBeUndefined();
      const defaultElement = (await elementsOf(projectId)).find((element: Json) => element.title === 'Default');
      expect(byIssue(todos, login.number)).toMatchObject({ title: 'Login fails', description: 'Steps to reproduce', status: 'new', priority: 'high', version: 1, element_id: defaultElement.id });
      expect(byIssue(todos, dark.number)).toMatchObject({ description: `GitHub issue #${dark.number}`, priority: 'medium', status: 'new' });
      expect(byIssue(todos, old.number)).toMatchObject({ status: 'done', completed_at: expect.any(String) });

      const second = await importIssues(projectId, { state: 'all' });
      expect(second).toMatchObject({ todos_created: 0, todos_updated: 0, todos_unchanged: 3 });
      expect((await todosOf(projectId)).map((todo) => todo.version)).toEqual([1, 1, 1]);

      dark.title = 'Add a dark theme';
      login.state = 'closed';
      const third = await importIssues(projectId, { state: 'all' });
      expect(third).toMatchObject({ todos_created: 0, todos_updated: 2, todos_unchanged: 1 });
      const after = await todosOf(projectId);
      expect(byIssue(after, dark.number)).toMatchObject({ title: 'Add a dark theme', status: 'new', version: 2 });
      expect(byIssue(after, login.number)).toMatchObject({ status: 'done', version: 2, completed_at: expect.any(String) });
      expect(byIssue(after, old.number)).toMatchObject({ version: 1 });

      login.state = 'open';
      expect(await importIssues(projectId, { state: 'all' })).toMatchObject({ todos_updated: 1 });
      expect(byIssue(await todosOf(projectId), login.number)).toMatchObject({ status: 'new', completed_at: null, version: 3 });
    });

    it('imports open issues by default, and only those with every given label', async () => {
      const { repo, projectId } = await connectedProject();
      const ui = fake.addIssue(repo, { title: 'Button colour', labels: ['ui', 'easy'] });
      fake.addIssue(repo, { title: 'Backend thing', labels: ['backend'] });
      fake.addIssue(repo, { title: 'Closed ui thing', labels: ['ui'], state: 'closed' });
      const imported = await importIssues(projectId, { labels: ['ui'] });
      expect(imported).toMatchObject({ todos_created: 1 });
      expect((await todosOf(projectId)).map((todo) => todo.github_issue_number)).toEqual([ui.number]);
      const listed = fake.requests.filter((request) => request.path === `/repos/${repo.owner}/${repo.name}/issues`);
      expect(listed.at(-1)?.query).toMatchObject({ labels: 'ui', state: 'open' });
    });

    it('puts todos in a new root module "GitHub Issues" when the project has no root module, or refuses without createElements', async () => {
      const { repo, projectId } = await connectedProject();
      fake.addIssue(repo, { title: 'Somewhere to go' });
      const defaultElement = (await elementsOf(projectId)).find((element: Json) => element.title === 'Default');
      const deleted = await server.request('DELETE', `/elements/${defaultElement.id}`, { token: world.member.token });
      expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);

      const refused = await fails(agent, 'mcp_import_github_issues', { projectId, createElements: false });
      expect(refused.text).toContain('createElements');
      expect(await todosOf(projectId)).toHaveLength(0);

      const imported = await importIssues(projectId);
      expect(imported).toMatchObject({ todos_created: 1, elements_created: 1, elements: [{ title: 'GitHub Issues', type: 'module' }] });
      expect((await todosOf(projectId))[0].element_id).toBe(imported.elements[0].id);
    });

    it('refuses a caller without GitHub (409), a project without repository (404) or with a bad URL (400), read-only keys and outsiders', async () => {
      const { projectId } = await connectedProject();
      expect((await fails(unconnectedAgent, 'mcp_import_github_issues', { projectId })).text).toContain('GitHub not connected');
      const rest = await startJob(projectId, 'issues', {}, world.unconnected.token);
      expect(rest.status, JSON.stringify(rest.body)).toBe(409);
      expect(rest.body.detail).toContain('GitHub not connected');

      const bare = await projectWithRepoUrl(server, world, null);
      expect((await startJob(bare, 'issues')).status).toBe(404);
      expect((await startJob(bare, 'issues')).body.detail).toBe('Project has no GitHub repository connected');
      expect((await fails(agent, 'mcp_import_github_milestones', { projectId: bare })).text).toContain('no GitHub repository');
      const badUrl = await projectWithRepoUrl(server, world, 'not a repository url');
      expect((await startJob(badUrl, 'issues')).status).toBe(400);

      expect((await fails(readOnlyAgent, 'mcp_import_github_issues', { projectId })).text).toContain('read-only');
      expect((await startJob(projectId, 'issues', {}, world.outsider.token)).status).toBe(404);
      const badState = await startJob(projectId, 'issues', { state: 'sideways' });
      expect(badState.status).toBe(400);
      expect(JSON.stringify(badState.body.detail)).toContain('sideways');
      expect(await todosOf(projectId)).toHaveLength(0);
    });

    it('writes nothing when GitHub fails half-way through the listing (502), and retries the job until it succeeds', async () => {
      const { repo, projectId } = await connectedProject();
      for (let n = 1; n <= 130; n += 1) fake.addIssue(repo, { title: `Issue ${n}` });
      const path = new RegExp(`^/repos/${repo.owner}/${repo.name}/issues$`);
      // Three tries per call (the client retries 5xx twice): five failures outlast one import.
      fake.failNext({ method: 'GET', path, query: { page: '2' }, kind: 'server-error', times: 5 });
      const failed = await fails(agent, 'mcp_import_github_issues', { projectId });
      expect(failed.text).toMatch(/GitHub failed/);
      expect(await todosOf(projectId)).toHaveLength(0);

      // Two failures are left; with one more, the job's first try fails too, and its retry succeeds.
      fake.failNext({ method: 'GET', path, query: { page: '2' }, kind: 'server-error', times: 1 });
      const queued = await startJob(projectId, 'issues');
      expect(queued.status, JSON.stringify(queued.body)).toBe(202);
      const done = await settled(queued.body.job_id);
      expect(done.task).toMatchObject({ status: 'completed', retry_count: 2, error: null });
      expect(done.result).toMatchObject({ todos_created: 130 });
    });

    it('a job whose GitHub keeps failing ends failed with the reason after its tries', async () => {
      const { repo, projectId } = await connectedProject();
      for (let n = 1; n <= 101; n += 1) fake.addIssue(repo, { title: `Issue ${n}` });
      fake.failNext({ method: 'GET', path: new RegExp(`^/repos/${repo.owner}/${repo.name}/issues$`), query: { page: '2' }, kind: 'server-error', times: 50 });
      const queued = await startJob(projectId, 'issues');
      const done = await settled(queued.body.job_id);
      expect(done.task).toMatchObject({ status: 'failed', retry_count: 2, max_retries: 2, error: expect.stringContaining('GitHub failed') });
      expect(done.result).toBeNull();
      expect(await todosOf(projectId)).toHaveLength(0);
    });

    it('a job GitHub refuses for good (the repository is not there) is not retried', async () => {
      const projectId = await projectWithRepoUrl(server, world, `https://github.com/${world.logins.leader}/${unique('gone-')}`);
      const board = await connectSignalR(server, world.leader.token);
      try {
        await board.connection.invoke('JoinProject', projectId);
        const queued = await startJob(projectId, 'issues');
        expect(queued.status, JSON.stringify(queued.body)).toBe(202);
        const done = await settled(queued.body.job_id);
        expect(done.task).toMatchObject({ status: 'failed', retry_count: 1, error: expect.stringContaining('Not found') });
        const failed = await board.next('projectUpdated', (payload) => (payload.changes as Json).phase === 'failed');
        expect(failed).toMatchObject({ changes: { action: 'github_import', job_id: queued.body.job_id, will_retry: false, error: expect.stringContaining('Not found') } });
      } finally {
        await board.stop();
      }
    });

    it('runs as a background job: 202, then the task completes with the result, readable by its starter only', async () => {
      const { repo, projectId } = await connectedProject();
      fake.addIssue(repo, { title: 'One' });
      fake.addIssue(repo, { title: 'Two', labels: ['urgent'] });
      const board = await connectSignalR(server, world.leader.token);
      try {
        await board.connection.invoke('JoinProject', projectId);
        const queued = await startJob(projectId, 'issues', { create_elements: true }, world.member.token, '/v1');
        expect(queued.status, JSON.stringify(queued.body)).toBe(202);
        expect(queued.body).toMatchObject({ job_id: expect.any(String), status: 'queued', task_url: `/v1/tasks/${queued.body.job_id}` });
        const phase = (name: string) => (payload: Record<string, unknown>) =>
          (payload.changes as Json).action === 'github_import' && (payload.changes as Json).phase === name;
        expect(await board.next('projectUpdated', phase('started'))).toMatchObject({ projectId, actorId: world.member.id, changes: { kind: 'issues', job_id: queued.body.job_id } });
        expect(await board.next('projectUpdated', phase('completed'))).toMatchObject({ changes: { job_id: queued.body.job_id, todos_created: 2, todos_updated: 0 } });
        await checkCompletedJob(projectId, queued.body.job_id);
      } finally {
        await board.stop();
      }
    });

    /** The task of the job above: completed with its result, readable by its starter and admins only. */
    async function checkCompletedJob(projectId: string, jobId: string): Promise<void> {
      const done = await settled(jobId);
      expect(done.task).toMatchObject({ id: jobId, type: 'github.import', status: 'completed', data: { user_id: world.member.id, project_id: projectId, kind: 'issues' } });
      expect(done.result).toMatchObject({ success: true, todos_created: 2 });
      const todos = await todosOf(projectId);
      expect(todos.map((todo) => todo.title).sort()).toEqual(['One', 'Two']);
      expect(todos.find((todo) => todo.title === 'Two').priority).toBe('high');

      expect((await server.request('GET', `/tasks/${jobId}`, { token: world.leader.token })).status).toBe(404);
      expect((await server.request('GET', `/tasks/${jobId}`, { token: world.admin.token })).status).toBe(200);
      expect((await server.request('GET', '/tasks/no-such-task', { token: world.member.token })).status).toBe(404);
    }

    it('reads at most 2000 issues and says so', async () => {
      const { repo, projectId } = await connectedProject();
      for (let n = 1; n <= 2001; n += 1) fake.addIssue(repo, { title: `Bulk ${n}` });
      const imported = await importIssues(projectId);
      expect(imported).toMatchObject({ todos_created: 2000, truncated: true, message: expect.stringContaining('only the first 2000 issues') });
      const last = await server.request('GET', `/todos?project_id=${projectId}&page_size=1`, { token: world.member.token });
      expect(last.body.total).toBe(2000);
    }, 60_000);

    it('two imports at once create each todo once', async () => {
      const { repo, projectId } = await connectedProject();
      for (let n = 1; n <= 20; n += 1) fake.addIssue(repo, { title: `Parallel ${n}` });
      const [a, b, job] = await Promise.all([importIssues(projectId), importIssues(projectId), startJob(projectId, 'issues')]);
      const viaJob = await settled(job.body.job_id);
      expect(a.todos_created + b.todos_created + viaJob.result.todos_created).toBe(20);
      const todos = await todosOf(projectId);
      expect(todos).toHaveLength(20);
      expect(new Set(todos.map((todo) => todo.github_issue_number)).size).toBe(20);
    });
  });

  describe('milestones', () => {
    it('imports milestones as features with their issues as todos, idempotently, and follows changes', async () => {
      const { repo, projectId } = await connectedProject();
      const beta = fake.addMilestone(repo, { title: 'Beta' });
      const alpha = fake.addMilestone(repo, { title: 'Alpha', state: 'closed' });
      const later = fake.addMilestone(repo, { title: 'Later' });
      const signup = fake.addIssue(repo, { title: 'Sign-up form', milestone: beta.number });
      const mail = fake.addIssue(repo, { title: 'Welcome mail', milestone: beta.number, state: 'closed' });
      fake.addIssue(repo, { title: 'First release', milestone: alpha.number, state: 'closed' });
      fake.addIssue(repo, { title: 'Not in a milestone' });
      // Imported before as a plain issue: the milestone import links it, it does not copy it.
      await importIssues(projectId);
      const plain = byIssue(await todosOf(projectId), signup.number);

      const first = await importMilestones(projectId, { state: 'all' });
      expect(first).toMatchObject({ success: true, features_created: 3, features_updated: 0, todos_created: 2, todos_updated: 1 });
      const features = await featuresOf(projectId);
      const named = (name: string) => features.find((feature) => feature.name === name);
      expect(named('Beta')).toMatchObject({ status: 'in_progress', total_todos: 2, completed_todos: 1, progress_percentage: 50 });
      expect(named('Alpha')).toMatchObject({ status: 'done', total_todos: 1, progress_percentage: 100 });
      expect(named('Later')).toMatchObject({ status: 'new', total_todos: 0 });
      const todos = await todosOf(projectId);
      expect(todos).toHaveLength(4);
      expect(byIssue(todos, signup.number)).toMatchObject({ id: plain.id, feature_id: named('Beta').id });
      expect(byIssue(todos, mail.number)).toMatchObject({ feature_id: named('Beta').id, status: 'done' });

      const second = await importMilestones(projectId, { state: 'all' });
      expect(second).toMatchObject({ features_created: 0, features_updated: 0, todos_created: 0, todos_updated: 0 });

      beta.title = 'Beta 1';
      signup.state = 'closed';
      later.state = 'closed';
      const third = await importMilestones(projectId, { state: 'all' });
      expect(third).toMatchObject({ features_created: 0, features_updated: 2, todos_created: 0, todos_updated: 1 });
      const changed = await featuresOf(projectId);
      expect(changed.find((feature) => feature.id === named('Beta').id)).toMatchObject({ name: 'Beta 1', status: 'done', progress_percentage: 100 });
      expect(changed.find((feature) => feature.id === named('Later').id)).toMatchObject({ status: 'done' });
      expect(await importMilestones(projectId, { state: 'all' })).toMatchObject({ features_updated: 0, todos_updated: 0 });
    });

    it('imports open milestones by default, also as a background job', async () => {
      const { repo, projectId } = await connectedProject();
      const open = fake.addMilestone(repo, { title: 'Open one' });
      fake.addMilestone(repo, { title: 'Closed one', state: 'closed' });
      fake.addIssue(repo, { title: 'Work', milestone: open.number });
      const queued = await startJob(projectId, 'milestones');
      expect(queued.status, JSON.stringify(queued.body)).toBe(202);
      const done = await settled(queued.body.job_id);
      expect(done.result).toMatchObject({ features_created: 1, todos_created: 1, features: [{ name: 'Open one', github_milestone_number: open.number, todos_created: 1 }] });
      expect((await featuresOf(projectId)).map((feature) => feature.name)).toEqual(['Open one']);
    });
  });

  it('MCP results carry the counts as structured content', async () => {
    const { repo, projectId } = await connectedProject();
    fake.addIssue(repo, { title: 'Structured' });
    const answer = await callTool(agent, 'mcp_import_github_issues', { projectId });
    expect(answer.isError).toBe(false);
    expect(answer.body).toMatchObject({ todos_created: 1, message: expect.stringContaining('1 todo(s) created') });
  });
});

describe('GitHub import jobs run as their user as they are when the job runs', () => {
  let fake: FakeGitHub;
  let server: TestServer;

  beforeAll(async () => {
    fake = await startFakeGitHub();
    // No consumer in the server: the queue fills, and the test starts one later (as `intracker worker` would).
    server = await startGitHubServer(fake, { JOBS_IN_SERVER: 'false', JOBS_POLL_MS: '20' });
  });

  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  it('fails for good, without retrying, when the user was deactivated meanwhile', async () => {
    const world = await githubWorld(server, fake, unique('gone'));
    const repo = fake.addRepo(world.logins.leader, unique('repo-'), { collaborators: { [world.logins.member]: 'write' } });
    fake.addIssue(repo, { title: 'Never imported' });
    const projectId = await projectWithRepoUrl(server, world, null);
    await connectRepo(server, world, projectId, repo.owner, repo.name);
    const queued = await server.request('POST', `/github/projects/${projectId}/import/issues`, { token: world.member.token, body: {} });
    expect(queued.status, JSON.stringify(queued.body)).toBe(202);
    const deactivated = await server.request('PUT', `/admin/users/${world.member.id}`, { token: world.admin.token, body: { is_active: false } });
    expect(deactivated.status, JSON.stringify(deactivated.body)).toBe(200);

    await server.app.fastify.services.startJobs();
    let task: Json;
    for (let tries = 0; tries < 500 && task?.status !== 'failed'; tries += 1) {
      await sleep(20);
      task = (await server.request('GET', `/tasks/${queued.body.job_id}`, { token: world.admin.token })).body.task;
    }
    expect(task).toMatchObject({ status: 'failed', retry_count: 1, error: expect.stringContaining('deactivated') });
    const todos = await server.request('GET', `/todos?project_id=${projectId}`, { token: world.leader.token });
    expect(todos.body.todos).toHaveLength(0);
  });
});
