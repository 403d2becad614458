import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRONG_PASSWORD, type Session, createTeam, login, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

describe('auth', () => {
  let server: TestServer;
  let admin: Session;
  let team: { id: string };

  async function teamCode(maxUses?: number): Promise<string> {
    const query = maxUses ? `?max_uses=${maxUses}` : '';
    const response = await server.request('POST', `/teams/${team.id}/invitations${query}`, { token: admin.token });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body.code;
  }

  function register(body: Record<string, unknown>) {
    return server.request('POST', '/auth/register', { body });
  }

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    team = await createTeam(server, admin);
  });
  afterAll(() => server.close());

  describe('password policy', () => {
    const cases: [string, string, string][] = [
      ['shorter than 8 characters', 'Ab1!xyz', 'at least 8 characters'],
      ['longer than 128 characters', `Ab1!${'x'.repeat(125)}`, 'at most 128 characters'],
      ['without an uppercase letter', 'abcd1234!', 'at least one uppercase letter'],
      ['without a lowercase letter', 'ABCD1234!', 'at least one lowercase letter'],
      ['without a number', 'Abcdefgh!', 'at least one number'],
      ['without a special character', 'Abcdefgh1', 'at least one special character'],
    ];
    for (const [what, password, rule] of cases) {
      it(`rejects a password ${what}`, async () => {
        const response = await register({ email: `${unique()}@example.test`, password, invitation_code: await teamCode() });
        expect(response.status).toBe(400);
        expect(response.body.detail).toContain(rule);
      });
    }

    it('names every missing rule in one message', async () => {
      const response = await register({ email: `${unique()}@example.test`, password: 'abcdefgh', invitation_code: await teamCode() });
      expect(response.status).toBe(400);
      expect(response.body.detail).toBe(
        'Password must contain at least one uppercase letter, at least one number, at least one special character (!@#$%^&*(),.?":{}|<>)',
      );
    });

    it('accepts a long password beyond 72 bytes (argon2 has no byte limit)', async () => {
      const password = `Ab1!${'é'.repeat(60)}`;
      const email = `${unique()}@example.test`;
      expect((await register({ email, password, invitation_code: await teamCode() })).status).toBe(201);
      expect((await server.request('POST', '/auth/login', { body: { email, password } })).status).toBe(200);
      const truncated = (await server.request('POST', '/auth/login', { body: { email, password: password.slice(0, 40) } })).status;
      expect(truncated).toBe(401);
    });
  });

  describe('registration', () => {
    it('registers through a team code as a member of that team', async () => {
      const email = `${unique('Mixed.Case-')}@Example.TEST`;
      const response = await register({ email, password: STRONG_PASSWORD, name: 'New Member', invitation_code: await teamCode() });
      expect(response.status).toBe(201);
      expect(response.body.message).toBeTruthy();
      expect(response.body.user).toMatchObject({ email: email.toLowerCase(), name: 'New Member', role: 'member', is_active: true });
      expect(response.body.user).not.toHaveProperty('password_hash');
      expect(response.body.tokens.access_token).toEqual(expect.any(String));
      const members = await server.request('GET', `/teams/${team.id}/members?page_size=100`, { token: admin.token });
      expect(members.body.members).toContainEqual(expect.objectContaining({ user_id: response.body.user.id, role: 'member' }));
    });

    it('registers a team leader when the code says so', async () => {
      const leader = await registerTeamMember(server, admin, team.id, 'team_leader');
      const members = await server.request('GET', `/teams/${team.id}/members?page_size=100`, { token: admin.token });
      expect(members.body.members).toContainEqual(expect.objectContaining({ user_id: leader.id, role: 'team_leader' }));
    });

    it('refuses an unknown code', async () => {
      const response = await register({ email: `${unique()}@example.test`, password: STRONG_PASSWORD, invitation_code: 'no-such-code' });
      expect(response.status).toBe(400);
      expect(response.body.detail).toBe('Invalid invitation code');
    });

    it('refuses a code that has been used (single use by default)', async () => {
      const code = await teamCode();
      expect((await register({ email: `${unique()}@example.test`, password: STRONG_PASSWORD, invitation_code: code })).status).toBe(201);
      const second = await register({ email: `${unique()}@example.test`, password: STRONG_PASSWORD, invitation_code: code });
      expect(second.status).toBe(400);
      expect(second.body.detail).toBe('Invitation code has already been used');
    });

    it('honours max_uses', async () => {
      const code = await teamCode(2);
      for (let i = 0; i < 2; i += 1) {
        expect((await register({ email: `${unique()}@example.test`, password: STRONG_PASSWORD, invitation_code: code })).status).toBe(201);
      }
      const third = await register({ email: `${unique()}@example.test`, password: STRONG_PASSWORD, invitation_code: code });
      expect(third.status).toBe(400);
      expect(third.body.detail).toMatch(/maximum/);
    });

    it('lets exactly one of two racing registrations take the last use', async () => {
      const code = await teamCode();
      const results = await Promise.all(
        [1, 2, 3].map(() => register({ email: `${unique()}@example.test`, password: STRONG_PASSWORD, invitation_code: code })),
      );
      expect(results.map((result) => result.status).sort()).toEqual([201, 400, 400]);
    });

    it('refuses an email that exists, whatever its case', async () => {
      const member = await registerTeamMember(server, admin, team.id);
      const response = await register({ email: member.email.toUpperCase(), password: STRONG_PASSWORD, invitation_code: await teamCode() });
      expect(response.status).toBe(409);
    });

    it('checks the code before the address: a bad code answers the same for a known and a new email', async () => {
      const known = await registerTeamMember(server, admin, team.id);
      const used = await teamCode();
      expect((await register({ email: `${unique()}@example.test`, password: STRONG_PASSWORD, invitation_code: used })).status).toBe(201);
      for (const code of [unique('no-such-code-'), used]) {
        const withKnown = await register({ email: known.email, password: STRONG_PASSWORD, invitation_code: code });
        const withNew = await register({ email: `${unique()}@example.test`, password: STRONG_PASSWORD, invitation_code: code });
        expect(withKnown.status, code).toBe(400);
        expect(withKnown.status).toBe(withNew.status);
        expect(withKnown.body).toEqual(withNew.body);
      }
    });

    it('does not spend the code when registration fails', async () => {
      const member = await registerTeamMember(server, admin, team.id);
      const code = await teamCode();
      expect((await register({ email: member.email, password: STRONG_PASSWORD, invitation_code: code })).status).toBe(409);
      expect((await register({ email: `${unique()}@example.test`, password: STRONG_PASSWORD, invitation_code: code })).status).toBe(201);
    });

    it('rejects an invalid email with 422', async () => {
      const response = await register({ email: 'not-an-email', password: STRONG_PASSWORD, invitation_code: 'x' });
      expect(response.status).toBe(422);
      expect(response.body.detail[0].loc).toEqual(['body', 'email']);
    });
  });

  describe('login', () => {
    it('logs in case-insensitively and records the time', async () => {
      const member = await registerTeamMember(server, admin, team.id);
      const response = await server.request('POST', '/auth/login', { body: { email: member.email.toUpperCase(), password: STRONG_PASSWORD } });
      expect(response.status).toBe(200);
      expect(response.body.message).toBe('Login successful');
      expect(Date.parse(response.body.user.last_login_at)).toBeGreaterThan(Date.now() - 60_000);
    });

    it('gives the same answer for a wrong password and an unknown email', async () => {
      const member = await registerTeamMember(server, admin, team.id);
      const wrong = await server.request('POST', '/auth/login', { body: { email: member.email, password: 'Wrong-Passw0rd!' } });
      const unknown = await server.request('POST', '/auth/login', { body: { email: `${unique()}@example.test`, password: 'x' } });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body).toEqual({ detail: 'Invalid email or password' });
      expect(unknown.body).toEqual(wrong.body);
    });
  });

  describe('me', () => {
    it('returns the signed-in user in the reference shape', async () => {
      const member = await registerTeamMember(server, admin, team.id);
      const response = await server.request('GET', '/auth/me', { token: member.token });
      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(
        [
          'avatar_url', 'created_at', 'email', 'github_connected_at', 'github_token_expires_at', 'github_username', 'id',
          'is_active', 'last_login_at', 'mcp_verified_at', 'name', 'onboarding_step', 'role', 'setup_completed', 'updated_at',
        ].sort(),
      );
      expect(response.body.created_at).toMatch(/Z$/);
    });
  });

  describe('refresh', () => {
    it('returns the new pair at the top level and under tokens', async () => {
      const member = await registerTeamMember(server, admin, team.id);
      const response = await server.request('POST', '/auth/refresh', { body: { refresh_token: member.refreshToken } });
      expect(response.status).toBe(200);
      expect(response.body.tokens).toEqual({ access_token: response.body.access_token, refresh_token: response.body.refresh_token });
      expect(response.body.refresh_token).not.toBe(member.refreshToken);
      expect((await server.request('GET', '/auth/me', { token: response.body.access_token })).status).toBe(200);
    });

    it('treats reuse of a rotated token as theft and revokes the whole login', async () => {
      const member = await registerTeamMember(server, admin, team.id);
      const first = await server.request('POST', '/auth/refresh', { body: { refresh_token: member.refreshToken } });
      expect(first.status).toBe(200);
      const replay = await server.request('POST', '/auth/refresh', { body: { refresh_token: member.refreshToken } });
      expect(replay.status).toBe(401);
      const successor = await server.request('POST', '/auth/refresh', { body: { refresh_token: first.body.refresh_token } });
      expect(successor.status).toBe(401);
    });

    it('keeps other logins of the same user working after one is revoked', async () => {
      const member = await registerTeamMember(server, admin, team.id);
      const other = await login(server, member.email, STRONG_PASSWORD);
      await server.request('POST', '/auth/refresh', { body: { refresh_token: member.refreshToken } });
      await server.request('POST', '/auth/refresh', { body: { refresh_token: member.refreshToken } });
      expect((await server.request('POST', '/auth/refresh', { body: { refresh_token: other.refreshToken } })).status).toBe(200);
    });

    it('refuses an access token or garbage as a refresh token', async () => {
      const member = await registerTeamMember(server, admin, team.id);
      const withAccess = await server.request('POST', '/auth/refresh', { body: { refresh_token: member.token } });
      // Access and refresh tokens are signed with different secrets, so this fails the signature.
      expect(withAccess.status).toBe(401);
      expect(withAccess.body.detail).toBe('Invalid or expired token');
      expect((await server.request('POST', '/auth/refresh', { body: { refresh_token: 'garbage' } })).status).toBe(401);
    });
  });

  describe('logout', () => {
    it('revokes the refresh token it is given', async () => {
      const member = await registerTeamMember(server, admin, team.id);
      const other = await login(server, member.email, STRONG_PASSWORD);
      const response = await server.request('POST', '/auth/logout', { token: member.token, body: { refresh_token: member.refreshToken } });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ message: 'Logout successful' });
      expect((await server.request('POST', '/auth/refresh', { body: { refresh_token: member.refreshToken } })).status).toBe(401);
      expect((await server.request('POST', '/auth/refresh', { body: { refresh_token: other.refreshToken } })).status).toBe(200);
    });

    it('without a token in the body, revokes every login of the user', async () => {
      const member = await registerTeamMember(server, admin, team.id);
      const other = await login(server, member.email, STRONG_PASSWORD);
      expect((await server.request('POST', '/auth/logout', { token: member.token })).status).toBe(200);
      expect((await server.request('POST', '/auth/refresh', { body: { refresh_token: member.refreshToken } })).status).toBe(401);
      expect((await server.request('POST', '/auth/refresh', { body: { refresh_token: other.refreshToken } })).status).toBe(401);
    });

    it('needs a signed-in user', async () => {
      expect((await server.request('POST', '/auth/logout')).status).toBe(401);
    });
  });

  describe('inactive users', () => {
    it('refuses login, access and refresh once an admin deactivates the account', async () => {
      const member = await registerTeamMember(server, admin, team.id);
      const deactivated = await server.request('PUT', `/admin/users/${member.id}`, { token: admin.token, body: { is_active: false } });
      expect(deactivated.status, JSON.stringify(deactivated.body)).toBe(200);
      const loginAttempt = await server.request('POST', '/auth/login', { body: { email: member.email, password: STRONG_PASSWORD } });
      expect(loginAttempt.status).toBe(401);
      expect(loginAttempt.body.detail).toBe('User account is inactive');
      const me = await server.request('GET', '/auth/me', { token: member.token });
      expect(me.status).toBe(401);
      expect(me.body.detail).toBe('User not found or inactive');
      expect((await server.request('POST', '/auth/refresh', { body: { refresh_token: member.refreshToken } })).status).toBe(401);
    });
  });
});

describe('token lifetimes', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ JWT_EXPIRES_IN: '1s' });
  });
  afterAll(() => server.close());

  it('refuses an expired access token, while the refresh token still gets a new pair', async () => {
    const admin = await loginAdmin(server);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const expired = await server.request('GET', '/auth/me', { token: admin.token });
    expect(expired.status).toBe(401);
    expect(expired.body.detail).toBe('Invalid or expired token');
    // The new access token lives one second too, so only the exchange is asserted
    // here: using it in time would race a loaded machine's clock.
    const refreshed = await server.request('POST', '/auth/refresh', { body: { refresh_token: admin.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.access_token).not.toBe(admin.token);
  });
});
