import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/db/schema.js';
import { type Session, loginAdmin, registerLeader } from '../helpers/actors.js';
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github/index.js';
import { type TestServer, startServer, testEnv } from '../helpers/server.js';
import { githubEnv as sharedGitHubEnv } from './github-world.js';

const FRONTEND_URL = 'http://board.example.test';
const KEY_1 = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const KEY_2 = `k2:${Buffer.alloc(32, 2).toString('base64')}`;
const NOT_CONFIGURED = 'GitHub OAuth is not configured on this server';

function githubEnv(fake: FakeGitHub, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return sharedGitHubEnv(fake, { FRONTEND_URL, ENCRYPTION_KEYS: KEY_1, ...extra });
}

/** The browser's part: GitHub's authorization page, which the fake answers at once with a redirect carrying the code. */
async function followAuthorization(authorizationUrl: string): Promise<{ code: string; state: string; location: URL }> {
  const response = await fetch(authorizationUrl, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location') ?? '');
  return { code: location.searchParams.get('code') ?? '', state: location.searchParams.get('state') ?? '', location };
}

async function authorize(server: TestServer, user: Session, query = ''): Promise<{ code: string; state: string }> {
  const started = await server.request('GET', `/auth/github/authorize${query}`, { token: user.token });
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  return followAuthorization(started.body.authorization_url);
}

function callback(server: TestServer, grant: { code: string; state: string }, token?: string) {
  return server.request('GET', `/auth/github/callback?${new URLSearchParams(grant)}`, { token });
}

async function connect(server: TestServer, user: Session) {
  const connected = await callback(server, await authorize(server, user), user.token);
  expect(connected.status, JSON.stringify(connected.body)).toBe(200);
  return connected.body;
}

const me = async (server: TestServer, user: Session) => (await server.request('GET', '/auth/me', { token: user.token })).body;
const status = (server: TestServer, user: Session) => server.request('GET', '/auth/github/status', { token: user.token });

async function storedTokens(server: TestServer, userId: string) {
  const [row] = await server.app.fastify.services.database.db
    .select({ access: users.githubAccessTokenEncrypted, refresh: users.githubRefreshTokenEncrypted })
    .from(users)
    .where(eq(users.id, userId));
  return row!;
}

/** The token our server last sent to the fake's `GET /user`. */
function lastUserToken(fake: FakeGitHub): string {
  const seen = fake.requests.filter((request) => request.path === '/user').at(-1);
  return (seen?.headers.authorization ?? '').replace(/^(?:token|bearer)\s+/i, '');
}

describe('GitHub OAuth (code flow + PKCE)', () => {
  let fake: FakeGitHub;
  let server: TestServer;
  let admin: Session;
  const newUser = () => registerLeader(server, admin);

  beforeAll(async () => {
    fake = await startFakeGitHub();
    fake.addUser('octocat');
    server = await startServer(githubEnv(fake));
    admin = await loginAdmin(server);
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  it('connects through the whole round trip, and /auth/me shows the account', async () => {
    const user = await newUser();
    const started = await server.request('GET', '/auth/github/authorize', { token: user.token });
    expect(started.status).toBe(200);
    const url = new URL(started.body.authorization_url);
    expect(`${url.origin}${url.pathname}`).toBe(`${fake.url}/login/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: fake.clientId,
      redirect_uri: `${FRONTEND_URL}/settings`,
      scope: 'repo read:org read:user user:email',
      state: started.body.state,
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: 'S256',
    });
    expect(started.body.state).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const grant = await followAuthorization(started.body.authorization_url);
    expect(`${grant.location.origin}${grant.location.pathname}`).toBe(`${FRONTEND_URL}/settings`);
    expect(grant.state).toBe(started.body.state);
    const connected = await callback(server, grant, user.token);
    expect(connected.status, JSON.stringify(connected.body)).toBe(200);
    expect(connected.body).toEqual({
      message: expect.any(String),
      github_username: 'octocat',
      avatar_url: expect.stringContaining('avatars.githubusercontent.com'),
      redirect_path: '/settings',
    });
    // The exchange carried the verifier whose challenge went to GitHub (the fake checks it).
    const exchange = fake.requests.filter((request) => request.path === '/login/oauth/access_token').at(-1);
    expect(exchange?.body).toMatchObject({ grant_type: 'authorization_code', code: grant.code, redirect_uri: `${FRONTEND_URL}/settings` });

    const profile = await me(server, user);
    expect(profile.github_username).toBe('octocat');
    expect(profile.avatar_url).toBe(connected.body.avatar_url);
    expect(Date.parse(profile.github_connected_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(profile.onboarding_step).toBeGreaterThanOrEqual(4);

    const now = await status(server, user);
    expect(now.body).toMatchObject({ connected: true, via: 'user', github_username: 'octocat' });
  });

  it('stores the token encrypted under the current key, never in clear', async () => {
    const user = await newUser();
    await connect(server, user);
    const token = lastUserToken(fake);
    expect(token).toMatch(/^gho_/);
    const row = await storedTokens(server, user.id);
    expect(row.access).toMatch(/^k1:[A-Za-z0-9_-]+$/);
    expect(row.access).not.toContain(token);
    expect(row.access).not.toContain(Buffer.from(token).toString('base64url'));
    expect(row.refresh).toBeNull();
    expect(JSON.stringify(await me(server, user))).not.toContain(token);
  });

  it('works out setup_completed again on connect and disconnect', async () => {
    const user = await newUser();
    expect((await server.request('POST', '/mcp-keys', { token: user.token })).status).toBe(201);
    expect((await me(server, user)).setup_completed).toBe(false);
    expect((await me(server, user)).onboarding_step).toBe(2);
    await connect(server, user);
    // An active key and GitHub connected: setup is complete, and onboarding at its last step.
    expect(await me(server, user)).toMatchObject({ setup_completed: true, onboarding_step: 5 });

    await status(server, user);
    const tokenBefore = lastUserToken(fake);
    const disconnected = await server.request('POST', '/auth/github/disconnect', { token: user.token });
    expect(disconnected.status).toBe(200);
    expect(disconnected.body).toMatchObject({ message: expect.any(String), github_grant_revoked: true });
    // Revoked at GitHub too: the old token no longer works there.
    const afterwards = await fetch(`${fake.url}/user`, { headers: { authorization: `token ${tokenBefore}` } });
    expect(afterwards.status).toBe(401);
    const profile = await me(server, user);
    expect(profile).toMatchObject({ setup_completed: false, onboarding_step: 5, github_username: null, github_connected_at: null, avatar_url: null, github_token_expires_at: null });
    expect(await storedTokens(server, user.id)).toEqual({ access: null, refresh: null });
    expect((await status(server, user)).body).toMatchObject({ connected: false, via: null, github_username: null, reason: expect.stringContaining('not connected') });
  });

  it('disconnects even when GitHub fails to revoke the authorization, and says so', async () => {
    const user = await newUser();
    await connect(server, user);
    fake.failNext({ method: 'DELETE', path: /^\/applications\//, kind: 'server-error', times: 1 });
    const disconnected = await server.request('POST', '/auth/github/disconnect', { token: user.token });
    expect(disconnected.status).toBe(200);
    expect(disconnected.body.github_grant_revoked).toBe(false);
    expect(await me(server, user)).toMatchObject({ github_username: null, github_connected_at: null });
  });

  it('takes each state once: a replayed callback is refused', async () => {
    const user = await newUser();
    const grant = await authorize(server, user);
    expect((await callback(server, grant, user.token)).status).toBe(200);
    const replay = await callback(server, grant, user.token);
    expect(replay.status).toBe(400);
    expect(replay.body.detail).toMatch(/unknown, expired .* or already used/);
  });

  it('refuses an unknown state', async () => {
    const user = await newUser();
    const { code } = await authorize(server, user);
    const unknown = await callback(server, { code, state: 'never-issued-state-0123456789' }, user.token);
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toContain('unknown');
    expect((await me(server, user)).github_username).toBeNull();
  });

  it('answers 400 naming GitHub’s reason when the code does not match the verifier', async () => {
    const user = await newUser();
    const first = await authorize(server, user);
    const second = await authorize(server, user);
    const crossed = await callback(server, { code: first.code, state: second.state }, user.token);
    expect(crossed.status).toBe(400);
    expect(crossed.body.detail).toContain('bad_verification_code');
    expect(crossed.body.detail).toContain('code_verifier');
    expect((await me(server, user)).github_username).toBeNull();
  });

  it('refuses a callback without a Bearer token while GitHub returns to the web client, which always sends one', async () => {
    const user = await newUser();
    const refused = await callback(server, await authorize(server, user));
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toContain('must carry your InTracker token');
    expect((await me(server, user)).github_username).toBeNull();
  });

  describe('when GitHub returns the browser straight to this API', () => {
    let direct: TestServer;
    let directAdmin: Session;
    beforeAll(async () => {
      direct = await startServer(githubEnv(fake, { GITHUB_OAUTH_REDIRECT_URI: 'http://api.example.test/auth/github/callback' }));
      directAdmin = await loginAdmin(direct);
    });
    afterAll(() => direct.close());

    it('connects the user who started when the callback comes without a Bearer token', async () => {
      const user = await registerLeader(direct, directAdmin);
      const connected = await callback(direct, await authorize(direct, user, '?redirect_path=/onboarding'));
      expect(connected.status, JSON.stringify(connected.body)).toBe(200);
      expect(connected.body.redirect_path).toBe('/onboarding');
      expect((await me(direct, user)).github_username).toBe('octocat');
    });

    it('sends the browser back to the web client', async () => {
      const user = await registerLeader(direct, directAdmin);
      const grant = await authorize(direct, user, '?redirect_path=/onboarding');
      const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
      const connected = await fetch(`${direct.url}/auth/github/callback?${new URLSearchParams(grant)}`, { headers: html, redirect: 'manual' });
      expect(connected.status).toBe(302);
      expect(connected.headers.get('location')).toBe(`${FRONTEND_URL}/onboarding?github=connected`);
      expect((await me(direct, user)).github_username).toBe('octocat');

      const replayed = await fetch(`${direct.url}/auth/github/callback?${new URLSearchParams(grant)}`, { headers: html, redirect: 'manual' });
      expect(replayed.status).toBe(302);
      const back = new URL(replayed.headers.get('location') ?? '');
      expect(`${back.origin}${back.pathname}`).toBe(`${FRONTEND_URL}/settings`);
      expect(back.searchParams.get('github_error')).toMatch(/already used/);
    });
  });

  it('refuses a callback by another signed-in user (403) and connects nobody', async () => {
    const starter = await newUser();
    const other = await newUser();
    const refused = await callback(server, await authorize(server, starter), other.token);
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toContain('started by another user');
    expect((await me(server, starter)).github_username).toBeNull();
    expect((await me(server, other)).github_username).toBeNull();
  });

  it('reports that the user declined on GitHub', async () => {
    const user = await newUser();
    const { state } = await authorize(server, user);
    const query = new URLSearchParams({ state, error: 'access_denied', error_description: 'The user has denied your application access.' });
    const declined = await server.request('GET', `/auth/github/callback?${query}`, { token: user.token });
    expect(declined.status).toBe(400);
    expect(declined.body.detail).toContain('access_denied');
  });

  it('answers 422 for a callback without code or state', async () => {
    const user = await newUser();
    const noCode = await server.request('GET', '/auth/github/callback?state=abcdefghijklmnopqrstuvwxyz', { token: user.token });
    expect(noCode.status).toBe(422);
    expect(noCode.body.detail).toEqual([{ loc: ['query', 'code'], msg: 'Field required', type: 'missing' }]);
    const noState = await server.request('GET', '/auth/github/callback?code=abc', { token: user.token });
    expect(noState.status).toBe(422);
    expect(noState.body.detail).toEqual([{ loc: ['query', 'state'], msg: 'Field required', type: 'missing' }]);
  });

  it('answers 502 when GitHub’s token endpoint fails', async () => {
    const user = await newUser();
    const grant = await authorize(server, user);
    fake.failNext({ method: 'POST', path: /^\/login\/oauth\/access_token$/, kind: 'server-error', times: 1 });
    const failed = await callback(server, grant, user.token);
    expect(failed.status).toBe(502);
    expect(failed.body.detail).toContain('GitHub');
  });

  it('answers 502 and stores nothing when GitHub fails to say whose the new token is', async () => {
    const user = await newUser();
    const grant = await authorize(server, user);
    // The first try and both retries.
    fake.failNext({ method: 'GET', path: /^\/user$/, kind: 'server-error', times: 3 });
    const failed = await callback(server, grant, user.token);
    expect(failed.status).toBe(502);
    expect(await storedTokens(server, user.id)).toEqual({ access: null, refresh: null });
    expect((await me(server, user)).github_username).toBeNull();
  });

  it('keeps redirect_path on the web client and checks a client-chosen state', async () => {
    const user = await newUser();
    for (const path of ['settings', '//evil.example/x', '/\\evil.example', '/a b', `/${'x'.repeat(500)}`]) {
      const refused = await server.request('GET', `/auth/github/authorize?redirect_path=${encodeURIComponent(path)}`, { token: user.token });
      expect(refused.status, path).toBe(400);
      expect(refused.body.detail, path).toContain('redirect_path');
    }
    for (const state of ['short', 'has spaces in it, sixteen+', 'x'.repeat(201)]) {
      const refused = await server.request('GET', `/auth/github/authorize?state=${encodeURIComponent(state)}`, { token: user.token });
      expect(refused.status, state).toBe(400);
      expect(refused.body.detail, state).toContain('state');
    }
    const own = 'client-state_0123.456~789';
    const started = await server.request('GET', `/auth/github/authorize?state=${own}&redirect_path=${encodeURIComponent('/settings?tab=github')}`, {
      token: user.token,
    });
    expect(started.status).toBe(200);
    expect(started.body.state).toBe(own);
    // A second authorization may not take over a state still in progress.
    const again = await server.request('GET', `/auth/github/authorize?state=${own}`, { token: user.token });
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain('already in use');
    const grant = await followAuthorization(started.body.authorization_url);
    expect(grant.state).toBe(own);
    expect((await callback(server, grant, user.token)).body.redirect_path).toBe('/settings?tab=github');
  });

  it('needs a signed-in user to start or disconnect', async () => {
    expect((await server.request('GET', '/auth/github/authorize')).status).toBe(401);
    expect((await server.request('POST', '/auth/github/disconnect')).status).toBe(401);
    expect((await server.request('GET', '/auth/github/status')).status).toBe(401);
  });

  it('refreshes a token about to expire, and GitHub sees the new one', async () => {
    fake.setExpiringTokens(true, 60);
    try {
      const user = await newUser();
      await connect(server, user);
      const first = lastUserToken(fake);
      expect(first).toMatch(/^ghu_/);
      const before = await storedTokens(server, user.id);
      expect(before.refresh).toMatch(/^k1:/);

      const now = await status(server, user);
      expect(now.status, JSON.stringify(now.body)).toBe(200);
      expect(now.body).toMatchObject({ connected: true, via: 'user', github_username: 'octocat' });
      const refreshes = fake.requests.filter((request) => request.path === '/login/oauth/access_token' && (request.body as Record<string, unknown>)?.grant_type === 'refresh_token');
      expect(refreshes.length).toBeGreaterThan(0);
      const second = lastUserToken(fake);
      expect(second).toMatch(/^ghu_/);
      expect(second).not.toBe(first);
      const after = await storedTokens(server, user.id);
      expect(after.access).not.toBe(before.access);
      expect(after.refresh).not.toBe(before.refresh);
      expect(Date.parse(now.body.token_expires_at)).toBeLessThan(Date.now() + 61_000);
    } finally {
      fake.setExpiringTokens(false);
    }
  });

  it('disconnects, with the reason, when GitHub refuses the refresh', async () => {
    fake.setExpiringTokens(true, 60);
    try {
      const user = await newUser();
      await connect(server, user);
      fake.revokeRefreshTokens();
      const now = await status(server, user);
      expect(now.status).toBe(200);
      expect(now.body).toMatchObject({ connected: false, reason: expect.stringContaining('refused to refresh') });
      expect(await me(server, user)).toMatchObject({ github_username: null, github_connected_at: null });
    } finally {
      fake.setExpiringTokens(false);
    }
  });

  it('reports a token GitHub revoked as not connected, with the reason', async () => {
    const user = await newUser();
    await connect(server, user);
    fake.revoke(lastUserToken(fake));
    const now = await status(server, user);
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({ connected: false, via: 'user', github_username: 'octocat', reason: expect.stringContaining('GitHub refused the token') });
  });

  it('answers 502 when GitHub fails while checking the status', async () => {
    const user = await newUser();
    await connect(server, user);
    fake.failNext({ method: 'GET', path: /^\/user$/, kind: 'server-error', times: 3 });
    const now = await status(server, user);
    expect(now.status).toBe(502);
  });
});

describe('GitHub OAuth not configured', () => {
  let fake: FakeGitHub;
  let server: TestServer;
  let deploymentToken: string;

  beforeAll(async () => {
    fake = await startFakeGitHub();
    deploymentToken = fake.addUser('deploy-bot').token;
    server = await startServer(githubEnv(fake, { GITHUB_OAUTH_CLIENT_ID: undefined, GITHUB_OAUTH_CLIENT_SECRET: undefined, GITHUB_TOKEN: deploymentToken }));
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  it('answers 400 to authorize, and status reports the deployment token', async () => {
    const admin = await loginAdmin(server);
    const refused = await server.request('GET', '/auth/github/authorize', { token: admin.token });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toBe(NOT_CONFIGURED);
    const now = await status(server, admin);
    expect(now.body).toMatchObject({ connected: true, via: 'deployment', github_username: 'deploy-bot', token_expires_at: null });
  });
});

describe('GitHub tokens across an encryption key rotation', () => {
  let fake: FakeGitHub;
  let dataDir: string;
  // One database for the servers started one after another: the run's PostgreSQL, or PGlite on disk (memory:// dies with its server).
  const embedded = testEnv().DATABASE_URL === 'memory://';
  const storage = () => (embedded ? { DATABASE_URL: undefined, DATA_DIR: dataDir } : {});

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'intracker-github-keys-'));
    fake = await startFakeGitHub();
    fake.addUser('rotator');
  });
  afterAll(async () => {
    await fake?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function withServer<T>(keys: string, run: (server: TestServer) => Promise<T>): Promise<T> {
    const server = await startServer(githubEnv(fake, { ...storage(), ENCRYPTION_KEYS: keys }));
    try {
      return await run(server);
    } finally {
      await server.close();
    }
  }

  it('reads tokens sealed with a retired-but-listed key, reseals them, then works with the new key alone', { timeout: 180_000 }, async () => {
    const user = await withServer(KEY_1, async (server) => {
      const connected = await registerLeader(server, await loginAdmin(server));
      await connect(server, connected);
      expect((await storedTokens(server, connected.id)).access).toMatch(/^k1:/);
      return connected;
    });

    await withServer(`${KEY_2},${KEY_1}`, async (server) => {
      const now = await status(server, user);
      expect(now.body).toMatchObject({ connected: true, via: 'user', github_username: 'rotator' });
      expect((await storedTokens(server, user.id)).access).toMatch(/^k2:/);
    });

    await withServer(KEY_2, async (server) => {
      const now = await status(server, user);
      expect(now.body).toMatchObject({ connected: true, via: 'user', github_username: 'rotator' });
    });

    // The old key alone no longer opens what was resealed: the move really happened.
    await withServer(KEY_1, async (server) => {
      const now = await status(server, user);
      expect(now.body).toMatchObject({ connected: false, reason: expect.stringContaining('ENCRYPTION_KEYS') });
    });
  });
});
