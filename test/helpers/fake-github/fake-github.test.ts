import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from './index.js';

let github: FakeGitHub;
let aliceToken: string;
let bobToken: string;

beforeAll(async () => {
  github = await startFakeGitHub();
  aliceToken = github.addUser('alice').token;
  bobToken = github.addUser('bob').token;
  github.addRepo('alice', 'public-repo');
  github.addRepo('alice', 'secret', { private: true, collaborators: { bob: 'read' } });
  github.addRepo('alice', 'hidden', { private: true });
});

afterAll(async () => {
  await github.close();
});

async function api(path: string, init: { token?: string; method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { accept: 'application/vnd.github+json', ...init.headers };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${github.url}${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** Runs the browser half of the web flow: returns the code the fake redirected back with. */
async function authorize(codeChallenge: string): Promise<string> {
  const query = new URLSearchParams({ client_id: github.clientId, redirect_uri: 'http://app.test/callback', state: 'xyz', code_challenge: codeChallenge, code_challenge_method: 'S256' });
  const response = await fetch(`${github.url}/login/oauth/authorize?${query}`, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location') ?? '');
  expect(`${location.origin}${location.pathname}`).toBe('http://app.test/callback');
  expect(location.searchParams.get('state')).toBe('xyz');
  return location.searchParams.get('code') ?? '';
}

async function exchange(fields: Record<string, string>, accept = 'application/json'): Promise<{ contentType: string | null; text: string }> {
  const response = await fetch(`${github.url}/login/oauth/access_token`, {
    method: 'POST',
    headers: { accept, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: github.clientId, client_secret: github.clientSecret, redirect_uri: 'http://app.test/callback', ...fields }),
  });
  expect(response.status).toBe(200); // GitHub answers OAuth errors with 200 too
  return { contentType: response.headers.get('content-type'), text: await response.text() };
}

describe('fake GitHub', () => {
  it('runs the OAuth web flow with PKCE S256 and refuses a wrong verifier', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    github.signInAs('bob');

    const wrong = JSON.parse((await exchange({ code: await authorize(challenge), code_verifier: 'not-the-verifier' })).text) as Record<string, unknown>;
    expect(wrong).toMatchObject({ error: 'bad_verification_code', error_description: 'The code_verifier does not match the code_challenge.' });

    const code = await authorize(challenge);
    const granted = JSON.parse((await exchange({ code, code_verifier: verifier })).text) as Record<string, unknown>;
    expect(granted).toMatchObject({ token_type: 'bearer', scope: 'repo,read:org,read:user,user:email' });
    expect(granted.refresh_token).toBeUndefined();
    const user = await api('/user', { token: String(granted.access_token) });
    expect(user.body).toMatchObject({ login: 'bob' });

    const reused = JSON.parse((await exchange({ code, code_verifier: verifier })).text) as Record<string, unknown>;
    expect(reused.error).toBe('bad_verification_code');
    const badSecret = await exchange({ code: await authorize(challenge), code_verifier: verifier, client_secret: 'nope' }, '*/*');
    expect(badSecret.contentType).toContain('application/x-www-form-urlencoded');
    expect(new URLSearchParams(badSecret.text).get('error')).toBe('incorrect_client_credentials');
  });

  it('issues expiring tokens whose refresh token works once', async () => {
    github.setExpiringTokens(true, 60);
    try {
      const verifier = randomBytes(32).toString('base64url');
      const code = await authorize(createHash('sha256').update(verifier).digest('base64url'));
      const first = JSON.parse((await exchange({ code, code_verifier: verifier })).text) as Record<string, unknown>;
      expect(first).toMatchObject({ expires_in: 60, refresh_token_expires_in: 15_897_600 });
      const refresh = { grant_type: 'refresh_token', refresh_token: String(first.refresh_token) };
      const second = JSON.parse((await exchange(refresh)).text) as Record<string, unknown>;
      expect(second.access_token).not.toBe(first.access_token);
      expect((JSON.parse((await exchange(refresh)).text) as Record<string, unknown>).error).toBe('bad_refresh_token');
    } finally {
      github.setExpiringTokens(false);
    }
  });

  it('sends rate-limit headers and a strong ETag, and answers a matching If-None-Match with a free 304', async () => {
    const first = await api('/user', { token: aliceToken });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit')).toBe('5000');
    expect(first.headers.get('x-ratelimit-resource')).toBe('core');
    expect(first.headers.get('x-github-request-id')).toBeTruthy();
    const reset = Number(first.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThan(Date.now() / 1000 + 3500);
    const remaining = Number(first.headers.get('x-ratelimit-remaining'));
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[0-9a-f]{40}"$/);

    const cached = await api('/user', { token: aliceToken, headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);
    expect(cached.text).toBe('');
    expect(Number(cached.headers.get('x-ratelimit-remaining'))).toBe(remaining);

    const again = await api('/user', { token: aliceToken });
    expect(Number(again.headers.get('x-ratelimit-remaining'))).toBe(remaining - 1);
    expect(again.headers.get('x-ratelimit-used')).toBe(String(5000 - remaining + 1));
  });

  it('injects a secondary rate limit, then a server error, then serves normally', async () => {
    github.failNext({ path: /^\/user$/, kind: 'secondary-rate-limit', times: 1 });
    github.failNext({ method: 'GET', path: /^\/user$/, kind: 'server-error', times: 1 });
    const limited = await api('/user', { token: aliceToken });
    expect(limited.status).toBe(403);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.body).toMatchObject({ message: expect.stringContaining('secondary rate limit') });
    const failed = await api('/user', { token: aliceToken });
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ message: 'Server Error' });
    expect((await api('/user', { token: aliceToken })).status).toBe(200);
  });

  it('rejects unknown and revoked tokens', async () => {
    expect((await api('/user', { token: 'ghp_unknown' })).body).toMatchObject({ message: 'Bad credentials' });
    const { token } = github.addUser('carol');
    expect((await api('/user', { token })).status).toBe(200);
    github.revoke(token);
    expect((await api('/user', { token })).status).toBe(401);
  });

  it('hides a private repo from callers without access and checks write access', async () => {
    expect((await api('/repos/alice/public-repo')).status).toBe(200);
    expect((await api('/repos/alice/secret')).body).toMatchObject({ message: 'Not Found' });
    expect((await api('/repos/alice/hidden', { token: bobToken })).status).toBe(404);
    const asReader = await api('/repos/alice/secret', { token: bobToken });
    expect(asReader.body).toMatchObject({ full_name: 'alice/secret', private: true, permissions: { admin: false, push: false, pull: true } });
    const write = await api('/repos/alice/secret/issues', { token: bobToken, method: 'POST', body: { title: 'Nope' } });
    expect(write.status).toBe(403);
    const created = await api('/repos/alice/secret/issues', { token: aliceToken, method: 'POST', body: { title: 'Yes', labels: ['bug'] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ number: 1, title: 'Yes', labels: [{ name: 'bug' }] });
    expect(created.body).not.toHaveProperty('pull_request');
  });

  it('lists issues and pull requests newest first, a page at a time with a Link header', async () => {
    const repo = github.addRepo('alice', 'paged');
    for (let index = 1; index <= 4; index += 1) github.addIssue(repo, { title: `Issue ${index}` });
    github.addPull(repo, { title: 'A pull request', head: 'feature/login' });

    const first = await api('/repos/alice/paged/issues?per_page=2', { token: aliceToken });
    expect(first.body).toMatchObject([{ number: 5, title: 'A pull request', pull_request: { url: `${github.url}/repos/alice/paged/pulls/5` } }, { number: 4 }]);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1] ?? '';
    expect(next).toBe(`${github.url}/repos/alice/paged/issues?per_page=2&page=2`);
    const last = await api('/repos/alice/paged/issues?per_page=2&page=3', { token: aliceToken });
    expect(last.body).toMatchObject([{ number: 1 }]);
    expect(last.headers.get('link')).not.toContain('rel="next"');
  });

  it('routes branch names with slashes and compares branches', async () => {
    const repo = github.addRepo('alice', 'branches');
    const mainSha = repo.branches.get('main') ?? '';
    const created = await api('/repos/alice/branches/git/refs', { token: aliceToken, method: 'POST', body: { ref: 'refs/heads/feature/login', sha: mainSha } });
    expect(created.status).toBe(201);
    expect((await api('/repos/alice/branches/compare/main...feature%2Flogin')).body).toMatchObject({ status: 'identical', ahead_by: 0 });
    github.setBranchCommits(repo, 'feature/login', [{ sha: 'a'.repeat(40), message: 'Add login' }]);
    const compared = await api('/repos/alice/branches/compare/main...feature/login');
    expect(compared.body).toMatchObject({ status: 'ahead', ahead_by: 1, behind_by: 0, commits: [{ sha: 'a'.repeat(40), commit: { message: 'Add login' } }] });
    expect((await api('/repos/alice/branches/branches/feature%2Flogin')).body).toMatchObject({ name: 'feature/login', commit: { sha: 'a'.repeat(40) } });
  });
});
