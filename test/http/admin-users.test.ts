import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRONG_PASSWORD, type Session, createTeam, login, loginAdmin, registerLeader } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';
const LIST_ITEM_KEYS = ['avatar_url', 'created_at', 'email', 'github_username', 'id', 'is_active', 'last_login_at', 'name', 'role'];

describe('admin user management', () => {
  let server: TestServer;
  let admin: Session;
  let team: { id: string; name: string };
  let member: Session;

  const asAdmin = (method: string, path: string, body?: unknown) => server.request(method, path, { token: admin.token, body });

  /** POST /admin/create-user with a JSON body; every user gets a fresh address. */
  async function createUser(fields: Record<string, unknown> = {}) {
    const email = `${unique('user-')}@example.test`;
    const body = { email, password: STRONG_PASSWORD, name: unique('User '), team_id: team.id, ...fields };
    const response = await asAdmin('POST', '/admin/create-user', body);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body.user as { id: string; email: string; name: string; role: string };
  }

  async function createSession(fields: Record<string, unknown> = {}): Promise<Session> {
    const user = await createUser(fields);
    return login(server, user.email, STRONG_PASSWORD);
  }

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    team = await createTeam(server, admin);
    member = await createSession();
  });
  afterAll(() => server.close());

  describe('access', () => {
    const routes: [string, (id: string) => string, unknown?][] = [
      ['GET', () => '/admin/users'],
      ['GET', (id) => `/admin/users/${id}`],
      ['PUT', (id) => `/admin/users/${id}`, { name: 'x' }],
      ['PUT', (id) => `/admin/users/${id}/role?role=admin`],
      ['PUT', () => `/admin/users/by-email/${encodeURIComponent('a@example.test')}/role?role=admin`],
      ['DELETE', (id) => `/admin/users/${id}`],
      ['POST', () => '/admin/create-user', { email: 'x@example.test', password: STRONG_PASSWORD }],
    ];

    for (const [method, path, body] of routes) {
      it(`${method} ${path(':id')}: 401 without a token, 403 for a non-admin`, async () => {
        const anonymous = await server.request(method, path(member.id), { body });
        expect(anonymous.status).toBe(401);
        const refused = await server.request(method, path(member.id), { token: member.token, body });
        expect(refused.status).toBe(403);
        expect(refused.body).toEqual({ detail: 'Admin access required' });
      });
    }

    it('a member cannot promote themself', async () => {
      const response = await server.request('PUT', `/admin/users/${member.id}/role`, { token: member.token, body: { role: 'admin' } });
      expect(response.status).toBe(403);
      const me = await server.request('GET', '/auth/me', { token: member.token });
      expect(me.body.role).toBe('member');
    });

    it('answers a malformed id with 422 on the path', async () => {
      const response = await asAdmin('GET', '/admin/users/not-a-uuid');
      expect(response.status).toBe(422);
      expect(response.body.detail[0].loc).toEqual(['path', 'id']);
    });

    it('serves the same routes under /v1', async () => {
      const user = await createUser();
      const listed = await asAdmin('GET', `/v1/admin/users?search=${encodeURIComponent(user.email)}`);
      expect(listed.status).toBe(200);
      expect(listed.body.users.map((u: { id: string }) => u.id)).toEqual([user.id]);
      const role = await asAdmin('PUT', `/v1/admin/users/${user.id}/role?role=team_leader`);
      expect(role.status).toBe(200);
      expect(role.body.user.role).toBe('team_leader');
      expect((await server.request('GET', `/v1/admin/users/${user.id}`, { token: member.token })).status).toBe(403);
    });
  });

  describe('listing and reading', () => {
    const tag = unique('Tag');
    const created: { id: string; email: string; name: string; role: string }[] = [];

    beforeAll(async () => {
      created.push(await createUser({ name: `${tag} Alpha` }));
      created.push(await createUser({ name: `${tag} Beta`, role: 'team_leader' }));
      // Matched through the email only (emails are stored lower-case).
      created.push(await createUser({ name: 'Nameless', email: `${tag.toLowerCase()}-${unique()}@Example.TEST` }));
    });

    it('searches email and name case-insensitively', async () => {
      const response = await asAdmin('GET', `/admin/users?search=${tag.toUpperCase()}`);
      expect(response.status).toBe(200);
      expect(response.body.total).toBe(3);
      expect(response.body.users.map((u: { id: string }) => u.id).sort()).toEqual(created.map((u) => u.id).sort());
      expect(created[2]!.email).toBe(created[2]!.email.toLowerCase());
    });

    it('treats % and _ in the search as plain characters', async () => {
      const response = await asAdmin('GET', `/admin/users?search=${tag}%25`);
      expect(response.body.total).toBe(0);
      const underscore = await asAdmin('GET', `/admin/users?search=${tag.slice(0, -1)}_`);
      expect(underscore.body.total).toBe(0);
    });

    it('filters by role', async () => {
      const leaders = await asAdmin('GET', `/admin/users?search=${tag}&role=team_leader`);
      expect(leaders.body.users.map((u: { id: string }) => u.id)).toEqual([created[1]!.id]);
      const admins = await asAdmin('GET', '/admin/users?role=admin&page_size=100');
      expect(admins.body.users.every((u: { role: string }) => u.role === 'admin')).toBe(true);
      expect(admins.body.users.map((u: { id: string }) => u.id)).toContain(admin.id);
      expect((await asAdmin('GET', '/admin/users?role=owner')).status).toBe(400);
    });

    it('sends exactly the list fields, never secrets', async () => {
      const response = await asAdmin('GET', `/admin/users?search=${tag}&limit=1`);
      expect(Object.keys(response.body.users[0]).sort()).toEqual(LIST_ITEM_KEYS);
      expect(response.text).not.toContain('password');
    });

    it('pages with skip/limit (web client) and page/page_size alike', async () => {
      const all = await asAdmin('GET', `/admin/users?search=${tag}`);
      const ids = all.body.users.map((u: { id: string }) => u.id);
      const skipped = await asAdmin('GET', `/admin/users?search=${tag}&skip=1&limit=1`);
      expect(skipped.body).toMatchObject({ total: 3, page: 2, page_size: 1 });
      expect(skipped.body.users.map((u: { id: string }) => u.id)).toEqual([ids[1]]);
      const paged = await asAdmin('GET', `/admin/users?search=${tag}&page=2&page_size=2`);
      expect(paged.body).toMatchObject({ total: 3, page: 2, page_size: 2 });
      expect(paged.body.users.map((u: { id: string }) => u.id)).toEqual([ids[2]]);
      const tail = await asAdmin('GET', `/admin/users?search=${tag}&skip=2&limit=20`);
      expect(tail.body.users.map((u: { id: string }) => u.id)).toEqual([ids[2]]);
      expect((await asAdmin('GET', '/admin/users?limit=101')).status).toBe(422);
    });

    it('reads one user with updated_at', async () => {
      const response = await asAdmin('GET', `/admin/users/${created[0]!.id}`);
      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual([...LIST_ITEM_KEYS, 'updated_at'].sort());
      expect(response.body).toMatchObject({ id: created[0]!.id, name: `${tag} Alpha`, role: 'member', is_active: true });
    });

    it('answers an unknown id with 404', async () => {
      const response = await asAdmin('GET', `/admin/users/${NO_SUCH_ID}`);
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ detail: 'User not found' });
    });
  });

  describe('updating', () => {
    it('takes a JSON body and stores the email lower-case', async () => {
      const user = await createUser();
      const email = `${unique('Renamed-')}@Example.TEST`;
      const response = await asAdmin('PUT', `/admin/users/${user.id}`, { name: 'New Name', email });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        message: 'User updated successfully',
        status: 'success',
        user: { id: user.id, email: email.toLowerCase(), name: 'New Name', role: 'member', is_active: true },
      });
      await login(server, email.toUpperCase(), STRONG_PASSWORD);
    });

    it('takes query params too, and the body wins over them', async () => {
      const user = await createUser();
      const fromQuery = await asAdmin('PUT', `/admin/users/${user.id}?name=From%20Query`);
      expect(fromQuery.body.user.name).toBe('From Query');
      const both = await asAdmin('PUT', `/admin/users/${user.id}?name=Query`, { name: 'Body' });
      expect(both.body.user.name).toBe('Body');
    });

    it('clears the name with null', async () => {
      const user = await createUser();
      const response = await asAdmin('PUT', `/admin/users/${user.id}`, { name: null });
      expect(response.body.user.name).toBeNull();
    });

    it('refuses an email another user has, in any case, with 409', async () => {
      const [first, second] = [await createUser(), await createUser()];
      const response = await asAdmin('PUT', `/admin/users/${second.id}`, { email: first.email.toUpperCase() });
      expect(response.status).toBe(409);
      expect(response.body.detail).toBe('A user with this email already exists');
      const same = await asAdmin('PUT', `/admin/users/${first.id}`, { email: first.email });
      expect(same.status).toBe(200);
    });

    it('validates the fields', async () => {
      const user = await createUser();
      const badEmail = await asAdmin('PUT', `/admin/users/${user.id}`, { email: 'nope' });
      expect(badEmail.status).toBe(422);
      const badFlag = await asAdmin('PUT', `/admin/users/${user.id}?is_active=maybe`);
      expect(badFlag.status).toBe(422);
      const unknown = await asAdmin('PUT', `/admin/users/${NO_SUCH_ID}`, { name: 'x' });
      expect(unknown.status).toBe(404);
    });

    it('refuses to let an admin deactivate themself', async () => {
      const response = await asAdmin('PUT', `/admin/users/${admin.id}`, { is_active: false });
      expect(response.status).toBe(400);
      expect(response.body.detail).toBe('You cannot deactivate your own account');
      expect((await asAdmin('GET', '/auth/me')).status).toBe(200);
    });

    it('deactivation locks the user out at once and revokes their refresh tokens', async () => {
      const user = await createSession();
      const off = await asAdmin('PUT', `/admin/users/${user.id}`, { is_active: false });
      expect(off.body.user.is_active).toBe(false);

      const me = await server.request('GET', '/auth/me', { token: user.token });
      expect(me.status).toBe(401);
      const loginAttempt = await server.request('POST', '/auth/login', { body: { email: user.email, password: STRONG_PASSWORD } });
      expect(loginAttempt.status).toBe(401);
      expect(loginAttempt.body.detail).toBe('User account is inactive');
      expect((await server.request('POST', '/auth/refresh', { body: { refresh_token: user.refreshToken } })).status).toBe(401);

      // Reactivated (through query params, as the web client may send them): a new login works,
      // the refresh token from before stays revoked.
      const on = await asAdmin('PUT', `/admin/users/${user.id}?is_active=true`);
      expect(on.body.user.is_active).toBe(true);
      await login(server, user.email, STRONG_PASSWORD);
      const stale = await server.request('POST', '/auth/refresh', { body: { refresh_token: user.refreshToken } });
      expect(stale.status).toBe(401);
    });
  });

  describe('roles', () => {
    it('changes the role from the query (web client) or the body', async () => {
      const user = await createSession();
      const fromQuery = await asAdmin('PUT', `/admin/users/${user.id}/role?role=team_leader`);
      expect(fromQuery.status).toBe(200);
      expect(fromQuery.body).toMatchObject({ status: 'success', user: { id: user.id, role: 'team_leader', is_active: true } });
      expect(fromQuery.body.message).toContain('team_leader');

      const fromBody = await asAdmin('PUT', `/admin/users/${user.id}/role`, { role: 'admin' });
      expect(fromBody.body.user.role).toBe('admin');
      // The role is read from the database on every request: the same token is an admin now.
      expect((await server.request('GET', '/admin/users?limit=1', { token: user.token })).status).toBe(200);
    });

    it('answers an unknown role with 400 naming the roles, a missing one with 422', async () => {
      const user = await createUser();
      const unknown = await asAdmin('PUT', `/admin/users/${user.id}/role?role=owner`);
      expect(unknown.status).toBe(400);
      expect(unknown.body.detail).toMatch(/^role must be one of: admin, team_leader, member \(got "owner"\)$/);
      const missing = await asAdmin('PUT', `/admin/users/${user.id}/role`);
      expect(missing.status).toBe(422);
      expect(missing.body.detail).toEqual([{ loc: ['body', 'role'], msg: 'Field required', type: 'missing' }]);
      const byEmail = await asAdmin('PUT', `/admin/users/by-email/${user.email}/role`, { role: 'boss' });
      expect(byEmail.status).toBe(400);
    });

    it('changes the role by email, in any case', async () => {
      const user = await createUser();
      const path = `/admin/users/by-email/${encodeURIComponent(user.email.toUpperCase())}/role`;
      const response = await asAdmin('PUT', path, { role: 'team_leader' });
      expect(response.status).toBe(200);
      expect(response.body.user).toMatchObject({ id: user.id, role: 'team_leader' });
      const unknown = await asAdmin('PUT', '/admin/users/by-email/nobody-here@example.test/role?role=member');
      expect(unknown.status).toBe(404);
    });

    it('refuses a non-admin role for a user without a team, on both routes', async () => {
      const teamless = await createUser({ role: 'admin', team_id: undefined });
      const byId = await asAdmin('PUT', `/admin/users/${teamless.id}/role?role=member`);
      expect(byId.status).toBe(400);
      expect(byId.body.detail).toContain('at least one team');
      const byEmail = await asAdmin('PUT', `/admin/users/by-email/${teamless.email}/role?role=team_leader`);
      expect(byEmail.status).toBe(400);
      expect((await asAdmin('GET', `/admin/users/${teamless.id}`)).body.role).toBe('admin');
    });

    it('lets an admin step down while another admin remains', async () => {
      const other = await createSession({ role: 'admin' });
      const response = await server.request('PUT', `/admin/users/${other.id}/role`, { token: other.token, body: { role: 'member' } });
      expect(response.status).toBe(200);
      expect((await server.request('GET', '/admin/users', { token: other.token })).status).toBe(403);
    });

    const mutual: [string, (id: string) => [string, Record<string, unknown>]][] = [
      ['demoting', (id) => [`/admin/users/${id}/role`, { role: 'member' }]],
      ['deactivating', (id) => [`/admin/users/${id}`, { is_active: false }]],
    ];
    for (const [what, request] of mutual) {
      it(`two admins ${what} each other at once: one wins, the other is no longer an admin`, async () => {
        const [a, b] = await Promise.all([createSession({ role: 'admin' }), createSession({ role: 'admin' })]);
        const send = (actor: Session, target: Session) => {
          const [path, body] = request(target.id);
          return server.request('PUT', path, { token: actor.token, body });
        };
        const results = await Promise.all([send(a, b), send(b, a)]);
        // The loser is refused whether its request began before the winner's commit (403) or after it (401/403).
        const [won, lost] = [...results].sort((x, y) => x.status - y.status);
        expect(won!.status).toBe(200);
        expect([401, 403]).toContain(lost!.status);
        const loser = results[0]!.status === 200 ? b : a;
        expect((await server.request('GET', '/admin/users?limit=1', { token: loser.token })).status).not.toBe(200);
      });
    }
  });

  describe('the last admin', () => {
    // A database of its own, so "the only admin" holds whatever other files do.
    let lonely: TestServer;
    let first: Session;
    beforeAll(async () => {
      lonely = await startServer({ DATABASE_URL: 'memory://' });
      first = await loginAdmin(lonely);
    });
    afterAll(() => lonely.close());

    it('cannot demote themself until another admin exists', async () => {
      const refused = await lonely.request('PUT', `/admin/users/${first.id}/role?role=team_leader`, { token: first.token });
      expect(refused.status).toBe(400);
      expect(refused.body.detail).toContain('last admin');
      const byEmail = await lonely.request('PUT', `/admin/users/by-email/${first.email}/role?role=member`, { token: first.token });
      expect(byEmail.status).toBe(400);

      const [own] = (await lonely.request('GET', '/teams', { token: first.token })).body.teams;
      const email = `${unique()}@example.test`;
      const body = { email, password: STRONG_PASSWORD, role: 'admin', team_id: own.id };
      expect((await lonely.request('POST', '/admin/create-user', { token: first.token, body })).status).toBe(201);
      const allowed = await lonely.request('PUT', `/admin/users/${first.id}/role?role=team_leader`, { token: first.token });
      expect(allowed.status).toBe(200);
    });
  });

  describe('deleting', () => {
    it('refuses self-deletion', async () => {
      const response = await asAdmin('DELETE', `/admin/users/${admin.id}`);
      expect(response.status).toBe(400);
      expect(response.body.detail).toBe('You cannot delete your own account');
    });

    it('deletes the account but keeps the team the user created', async () => {
      const leader = await registerLeader(server, admin);
      const teams = await server.request('GET', '/teams', { token: leader.token });
      expect(teams.body.teams).toHaveLength(1);
      const own = teams.body.teams[0];

      const response = await asAdmin('DELETE', `/admin/users/${leader.id}`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ message: 'User deleted successfully', status: 'success', deleted_user_id: leader.id });

      expect((await asAdmin('GET', `/admin/users/${leader.id}`)).status).toBe(404);
      expect((await server.request('GET', '/auth/me', { token: leader.token })).status).toBe(401);
      const kept = await asAdmin('GET', `/teams/${own.id}`);
      expect(kept.status).toBe(200);
      expect(kept.body).toMatchObject({ id: own.id, name: own.name, created_by: null });
      const members = await asAdmin('GET', `/teams/${own.id}/members`);
      expect(members.body.members.map((m: { user_id: string }) => m.user_id)).not.toContain(leader.id);
    });

    it('removes a member from their teams and leaves the team intact', async () => {
      const user = await createUser();
      expect((await asAdmin('DELETE', `/admin/users/${user.id}`)).status).toBe(200);
      const members = await asAdmin('GET', `/teams/${team.id}/members?page_size=100`);
      expect(members.status).toBe(200);
      expect(members.body.members.map((m: { user_id: string }) => m.user_id)).not.toContain(user.id);
      expect(members.body.members.map((m: { user_id: string }) => m.user_id)).toContain(member.id);
    });

    it('answers an unknown user with 404', async () => {
      const response = await asAdmin('DELETE', `/admin/users/${NO_SUCH_ID}`);
      expect(response.status).toBe(404);
    });
  });

  describe('creating users', () => {
    it('adds a user to the given team as a member', async () => {
      const email = `${unique('New-')}@Example.TEST`;
      const response = await asAdmin('POST', '/admin/create-user', { email, password: STRONG_PASSWORD, name: 'Nina', team_id: team.id });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        message: 'User created successfully',
        status: 'success',
        user: { id: expect.any(String), email: email.toLowerCase(), name: 'Nina', role: 'member' },
      });
      const members = await asAdmin('GET', `/teams/${team.id}/members?page_size=100`);
      const membership = members.body.members.find((m: { user_id: string }) => m.user_id === response.body.user.id);
      expect(membership).toMatchObject({ role: 'member' });
      await login(server, email, STRONG_PASSWORD);
    });

    it('gives a non-admin without a team a personal team they lead (query params, as the web client sends)', async () => {
      const name = unique('Solo ');
      const email = `${unique()}@example.test`;
      const query = new URLSearchParams({ email, password: STRONG_PASSWORD, name, role: 'team_leader' });
      const response = await asAdmin('POST', `/admin/create-user?${query}`);
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      expect(response.body.user).toMatchObject({ name, role: 'team_leader' });

      const session = await login(server, email, STRONG_PASSWORD);
      const teams = await server.request('GET', '/teams', { token: session.token });
      expect(teams.body.teams.map((t: { name: string }) => t.name)).toEqual([`${name}'s Team`]);
      const members = await server.request('GET', `/teams/${teams.body.teams[0].id}/members`, { token: session.token });
      expect(members.body.members).toEqual([expect.objectContaining({ user_id: session.id, role: 'team_leader' })]);
    });

    it('reports an existing email (any case) instead of changing it', async () => {
      const user = await createUser();
      const body = { email: user.email.toUpperCase(), password: 'Other-Passw0rd!', role: 'admin' };
      const response = await asAdmin('POST', '/admin/create-user', body);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ message: expect.any(String), status: 'exists', user_id: user.id });
      expect((await asAdmin('GET', `/admin/users/${user.id}`)).body.role).toBe('member');
      await login(server, user.email, STRONG_PASSWORD);
    });

    it('applies the password policy, naming every missing rule', async () => {
      const response = await asAdmin('POST', '/admin/create-user', { email: `${unique()}@example.test`, password: 'alllowercase' });
      expect(response.status).toBe(400);
      expect(response.body.detail).toContain('at least one uppercase letter');
      expect(response.body.detail).toContain('at least one number');
      expect(response.body.detail).toContain('at least one special character');
    });

    it('answers an unknown team with 404 and creates nobody', async () => {
      const email = `${unique()}@example.test`;
      const response = await asAdmin('POST', '/admin/create-user', { email, password: STRONG_PASSWORD, team_id: NO_SUCH_ID });
      expect(response.status).toBe(404);
      expect(response.body.detail).toBe('Team not found');
      const search = await asAdmin('GET', `/admin/users?search=${email}`);
      expect(search.body.total).toBe(0);
    });

    it('needs an email and a password from the body or the query', async () => {
      const missing = await asAdmin('POST', '/admin/create-user', { password: STRONG_PASSWORD });
      expect(missing.status).toBe(422);
      expect(missing.body.detail).toEqual([{ loc: ['body', 'email'], msg: 'Field required', type: 'missing' }]);
      const bare = await asAdmin('POST', '/admin/create-user');
      expect(bare.status).toBe(422);
      const badRole = await asAdmin('POST', '/admin/create-user', { email: `${unique()}@x.test`, password: STRONG_PASSWORD, role: 'root' });
      expect(badRole.status).toBe(400);
    });
  });
});
