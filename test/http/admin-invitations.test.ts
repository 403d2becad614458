import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invitationCodes } from '../../src/db/schema.js';
import { STRONG_PASSWORD, type Session, createTeam, login, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

const DAY_MS = 86_400_000;
const ITEM_KEYS = [
  'code',
  'created_at',
  'created_by',
  'email_error',
  'email_sent_at',
  'email_sent_to',
  'expires_at',
  'is_active',
  'max_uses',
  'member_role',
  'team_id',
  'type',
  'used_at',
  'used_by',
  'uses_count',
];

describe('admin invitations', () => {
  let server: TestServer;
  let admin: Session;
  let member: Session;

  async function adminCode(options: { query?: string; body?: Record<string, unknown> } = {}): Promise<string> {
    const response = await server.request('POST', `/admin/invitations/admin${options.query ?? ''}`, { token: admin.token, body: options.body });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body.invitation.code;
  }

  function register(code: string, name: string | undefined = unique('Invitee ')) {
    return server.request('POST', '/auth/register', {
      body: { email: `${unique('invitee-')}@example.test`, password: STRONG_PASSWORD, name, invitation_code: code },
    });
  }

  function getInvitation(code: string) {
    return server.request('GET', `/admin/invitations/${encodeURIComponent(code)}`, { token: admin.token });
  }

  /** No endpoint deactivates or back-dates a code yet; these reach the rows directly. */
  async function alterCode(code: string, values: Partial<typeof invitationCodes.$inferInsert>) {
    await server.app.fastify.services.database.db.update(invitationCodes).set(values).where(eq(invitationCodes.code, code));
  }

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    const team = await createTeam(server, admin);
    member = await registerTeamMember(server, admin, team.id);
  });
  afterAll(() => server.close());

  describe('access', () => {
    const routes: [string, string][] = [
      ['POST', '/admin/invitations/admin'],
      ['GET', '/admin/invitations'],
      ['GET', '/admin/invitations/some-code'],
      ['DELETE', '/admin/invitations/some-code'],
    ];
    for (const [method, path] of routes) {
      it(`${method} ${path}: 401 without a token, 403 for a non-admin`, async () => {
        expect((await server.request(method, path)).status).toBe(401);
        const refused = await server.request(method, path, { token: member.token });
        expect(refused.status).toBe(403);
        expect(refused.body).toEqual({ detail: 'Admin access required' });
      });
    }
  });

  describe('creating', () => {
    it('creates a single-use code valid for 30 days by default', async () => {
      const before = Date.now();
      const response = await server.request('POST', '/admin/invitations/admin', { token: admin.token });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ message: expect.any(String), status: 'success' });
      const invitation = response.body.invitation;
      expect(Object.keys(invitation).sort()).toEqual(['code', 'created_at', 'email_sent_at', 'email_sent_to', 'expires_at', 'max_uses', 'type']);
      expect(invitation).toMatchObject({ type: 'admin', max_uses: 1, email_sent_to: null, email_sent_at: null });
      expect(invitation.code).toMatch(/^[\w-]{40,}$/);
      const expiresIn = new Date(invitation.expires_at).getTime() - before;
      expect(expiresIn).toBeGreaterThan(30 * DAY_MS - 60_000);
      expect(expiresIn).toBeLessThan(30 * DAY_MS + 60_000);
    });

    it('takes its options from the query (web client) or a JSON body, the body winning', async () => {
      const fromQuery = await server.request('POST', '/admin/invitations/admin?expires_in_days=5&send_email_to=Someone@Example.TEST&max_uses=3', {
        token: admin.token,
      });
      expect(fromQuery.status).toBe(201);
      expect(fromQuery.body.invitation).toMatchObject({ email_sent_to: 'someone@example.test', max_uses: 3 });
      const days = (new Date(fromQuery.body.invitation.expires_at).getTime() - Date.now()) / DAY_MS;
      expect(Math.round(days)).toBe(5);

      const fromBody = await server.request('POST', '/admin/invitations/admin?max_uses=9', {
        token: admin.token,
        body: { expires_in_days: 365, max_uses: 2 },
      });
      expect(fromBody.status).toBe(201);
      expect(fromBody.body.invitation.max_uses).toBe(2);
      expect(Math.round((new Date(fromBody.body.invitation.expires_at).getTime() - Date.now()) / DAY_MS)).toBe(365);
    });

    it('validates the options with 422', async () => {
      for (const query of ['expires_in_days=0', 'expires_in_days=366', 'max_uses=0', 'send_email_to=not-an-email']) {
        const response = await server.request('POST', `/admin/invitations/admin?${query}`, { token: admin.token });
        expect(response.status, query).toBe(422);
      }
      const body = await server.request('POST', '/admin/invitations/admin', { token: admin.token, body: { max_uses: -1 } });
      expect(body.status).toBe(422);
    });
  });

  describe('registering with an admin code', () => {
    it('makes a team leader with a team of their own, named after them', async () => {
      const name = unique('Founder ');
      const first = await register(await adminCode(), name);
      expect(first.status).toBe(201);
      expect(first.body.user.role).toBe('team_leader');
      const teams = await server.request('GET', '/teams', { token: first.body.tokens.access_token });
      expect(teams.body.teams.map((t: { name: string }) => t.name)).toEqual([`${name}'s Team`]);
      const members = await server.request('GET', `/teams/${teams.body.teams[0].id}/members`, { token: admin.token });
      expect(members.body.members).toEqual([expect.objectContaining({ user_id: first.body.user.id, role: 'team_leader' })]);

      // Someone else with the same name gets the next free team name.
      const second = await register(await adminCode(), name);
      expect(second.status).toBe(201);
      const secondTeams = await server.request('GET', '/teams', { token: second.body.tokens.access_token });
      expect(secondTeams.body.teams.map((t: { name: string }) => t.name)).toEqual([`${name}'s Team 1`]);
    });

    it('honours max_uses: two registrations with a code for two, the third is refused', async () => {
      const code = await adminCode({ body: { max_uses: 2 } });
      const first = await register(code);
      expect(first.status).toBe(201);
      expect((await register(code)).status).toBe(201);
      const third = await register(code);
      expect(third.status).toBe(400);
      expect(third.body.detail).toContain('maximum');

      const invitation = await getInvitation(code);
      expect(invitation.body).toMatchObject({ uses_count: 2, max_uses: 2, used_by: first.body.user.id, is_active: true });
      expect(invitation.body.used_at).not.toBeNull();
    });

    it('refuses a single-use code the second time', async () => {
      const code = await adminCode();
      expect((await register(code)).status).toBe(201);
      const again = await register(code);
      expect(again.status).toBe(400);
      expect(again.body.detail).toBe('Invitation code has already been used');
    });

    it('refuses an expired or deactivated code with its reason', async () => {
      const expired = await adminCode();
      await alterCode(expired, { expiresAt: new Date(Date.now() - 60_000) });
      const late = await register(expired);
      expect(late.status).toBe(400);
      expect(late.body.detail).toBe('Invitation code has expired');

      const inactive = await adminCode();
      await alterCode(inactive, { isActive: false });
      const refused = await register(inactive);
      expect(refused.status).toBe(400);
      expect(refused.body.detail).toBe('Invitation code is not active');
      expect((await getInvitation(inactive)).body.is_active).toBe(false);
    });
  });

  describe('listing and reading', () => {
    let unused: string;
    let used: string;
    beforeAll(async () => {
      unused = await adminCode();
      used = await adminCode();
      expect((await register(used)).status).toBe(201);
    });

    it('reads one code with every field', async () => {
      const response = await getInvitation(used);
      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(ITEM_KEYS);
      expect(response.body).toMatchObject({
        code: used,
        type: 'admin',
        team_id: null,
        member_role: 'member',
        created_by: admin.id,
        uses_count: 1,
        email_error: null,
      });
    });

    it('answers an unknown code with 404', async () => {
      const response = await getInvitation('no-such-code');
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ detail: 'Invitation code not found' });
    });

    it('filters by type and by used', async () => {
      const codes = async (query: string) => {
        const response = await server.request('GET', `/admin/invitations?${query}&page_size=100`, { token: admin.token });
        expect(response.status).toBe(200);
        return response.body.invitations as { code: string; type: string; uses_count: number }[];
      };
      const admins = await codes('type=admin');
      expect(admins.every((i) => i.type === 'admin')).toBe(true);
      expect(admins.map((i) => i.code)).toEqual(expect.arrayContaining([used, unused]));
      const teams = await codes('type=team');
      expect(teams.length).toBeGreaterThan(0);
      expect(teams.every((i) => i.type === 'team')).toBe(true);

      const usedOnes = await codes('used=true');
      expect(usedOnes.every((i) => i.uses_count > 0)).toBe(true);
      expect(usedOnes.map((i) => i.code)).toContain(used);
      expect(usedOnes.map((i) => i.code)).not.toContain(unused);
      const unusedOnes = await codes('used=false&type=admin');
      expect(unusedOnes.every((i) => i.uses_count === 0)).toBe(true);
      expect(unusedOnes.map((i) => i.code)).toContain(unused);

      expect((await server.request('GET', '/admin/invitations?type=other', { token: admin.token })).status).toBe(400);
      expect((await server.request('GET', '/admin/invitations?used=perhaps', { token: admin.token })).status).toBe(422);
    });

    it('pages with skip/limit (web client) and page/page_size alike', async () => {
      // Other files add codes concurrently (newest first), so compare windows taken
      // while the list stood still.
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const list = (query: string) => server.request('GET', `/admin/invitations?type=admin&${query}`, { token: admin.token });
        const first = await list('page=1&page_size=3');
        const [skipped, paged] = await Promise.all([list('skip=1&limit=2'), list('page=2&page_size=1')]);
        const again = await list('page=1&page_size=3');
        if (JSON.stringify(first.body) !== JSON.stringify(again.body)) continue;
        const codes = first.body.invitations.map((i: { code: string }) => i.code);
        expect(skipped.body).toMatchObject({ page: 1, page_size: 2, total: first.body.total });
        expect(skipped.body.invitations.map((i: { code: string }) => i.code)).toEqual(codes.slice(1, 3));
        expect(paged.body).toMatchObject({ page: 2, page_size: 1 });
        expect(paged.body.invitations.map((i: { code: string }) => i.code)).toEqual(codes.slice(1, 2));
        return;
      }
      throw new Error('the invitation list never stood still');
    });
  });

  describe('deleting', () => {
    it('deletes an unused code', async () => {
      const code = await adminCode();
      const response = await server.request('DELETE', `/admin/invitations/${code}`, { token: admin.token });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ message: expect.any(String), status: 'success' });
      expect((await getInvitation(code)).status).toBe(404);
      expect((await register(code)).body.detail).toBe('Invalid invitation code');
    });

    it('refuses to delete a used code', async () => {
      const code = await adminCode({ body: { max_uses: 5 } });
      expect((await register(code)).status).toBe(201);
      const response = await server.request('DELETE', `/admin/invitations/${code}`, { token: admin.token });
      expect(response.status).toBe(400);
      expect(response.body.detail).toBe('Cannot delete a used invitation code');
      expect((await getInvitation(code)).status).toBe(200);
    });

    it('answers an unknown code with 404', async () => {
      const response = await server.request('DELETE', '/admin/invitations/no-such-code', { token: admin.token });
      expect(response.status).toBe(404);
    });
  });

  describe('when the admin who issued codes is deleted', () => {
    it('keeps the codes and the teams they created, without an author', async () => {
      const email = `${unique('issuer-')}@example.test`;
      const created = await server.request('POST', '/admin/create-user', {
        token: admin.token,
        body: { email, password: STRONG_PASSWORD, role: 'admin' },
      });
      expect(created.status).toBe(201);
      const issuer = await login(server, email, STRONG_PASSWORD);
      const invitation = await server.request('POST', '/admin/invitations/admin', { token: issuer.token });
      const team = await createTeam(server, issuer);

      expect((await server.request('DELETE', `/admin/users/${issuer.id}`, { token: admin.token })).status).toBe(200);
      const kept = await getInvitation(invitation.body.invitation.code);
      expect(kept.status).toBe(200);
      expect(kept.body.created_by).toBeNull();
      const keptTeam = await server.request('GET', `/teams/${team.id}`, { token: admin.token });
      expect(keptTeam.status).toBe(200);
      expect(keptTeam.body.created_by).toBeNull();
      // The code still works: the registrant becomes a team leader.
      const registered = await register(invitation.body.invitation.code);
      expect(registered.status).toBe(201);
      expect(registered.body.user.role).toBe('team_leader');
    });
  });

  it('serves the same routes under /v1', async () => {
    const created = await server.request('POST', '/v1/admin/invitations/admin?max_uses=2', { token: admin.token });
    expect(created.status).toBe(201);
    const read = await server.request('GET', `/v1/admin/invitations/${created.body.invitation.code}`, { token: admin.token });
    expect(read.body).toMatchObject({ code: created.body.invitation.code, max_uses: 2 });
    expect((await server.request('GET', '/v1/admin/invitations', { token: member.token })).status).toBe(403);
  });
});
