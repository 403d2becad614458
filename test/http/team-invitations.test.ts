import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRONG_PASSWORD, type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

const DAY_MS = 86_400_000;

describe('team invitations', () => {
  let server: TestServer;
  let admin: Session;
  let team: { id: string; name: string };
  let other: { id: string; name: string };
  // `leader` leads `team` by team role only (global role member); `member` is plain.
  let leader: Session;
  let member: Session;

  function invite(session: Session, query = '', body?: unknown, teamId = team.id) {
    return server.request('POST', `/teams/${teamId}/invitations${query}`, { token: session.token, body });
  }

  function register(code: string, email = `${unique('invitee-')}@example.test`) {
    return server.request('POST', '/auth/register', { body: { email, password: STRONG_PASSWORD, name: 'Invitee', invitation_code: code } });
  }

  async function roleIn(teamId: string, userId: string): Promise<string | undefined> {
    const response = await server.request('GET', `/teams/${teamId}/members?page_size=100`, { token: admin.token });
    return response.body.members.find((entry: { user_id: string }) => entry.user_id === userId)?.role;
  }

  function expectDaysFromNow(timestamp: string, days: number) {
    expect(Math.abs(new Date(timestamp).getTime() - (Date.now() + days * DAY_MS))).toBeLessThan(60_000);
  }

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    team = await createTeam(server, admin, unique('Inviting '));
    other = await createTeam(server, admin, unique('Elsewhere '));
    leader = await registerTeamMember(server, admin, team.id, 'team_leader');
    member = await registerTeamMember(server, admin, team.id, 'member');
  });
  afterAll(() => server.close());

  describe('issuing a code', () => {
    it('lets a team leader issue a member code valid for 7 days', async () => {
      const response = await invite(leader);
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        code: expect.stringMatching(/^[\w-]{32,64}$/),
        type: 'team',
        team_id: team.id,
        member_role: 'member',
        expires_at: expect.stringMatching(/Z$/),
        created_at: expect.stringMatching(/Z$/),
        email_sent_to: null,
        email_sent_at: null,
      });
      expectDaysFromNow(response.body.expires_at, 7);
    });

    it('takes the parameters from the query or from a JSON body', async () => {
      const fromQuery = await invite(admin, '?expires_in_days=30&member_role=team_leader');
      expect(fromQuery.status).toBe(201);
      expect(fromQuery.body.member_role).toBe('team_leader');
      expectDaysFromNow(fromQuery.body.expires_at, 30);
      const fromBody = await invite(admin, '', { expires_in_days: 1, member_role: 'team_leader' });
      expect(fromBody.status).toBe(201);
      expect(fromBody.body.member_role).toBe('team_leader');
      expectDaysFromNow(fromBody.body.expires_at, 1);
    });

    it('lets an admin issue codes for any team', async () => {
      const response = await invite(admin, '', undefined, other.id);
      expect(response.status).toBe(201);
      expect(response.body.team_id).toBe(other.id);
    });

    it('validates expiry and email with 422 naming the field', async () => {
      const cases: [string, string][] = [
        ['?expires_in_days=0', 'expires_in_days'],
        ['?expires_in_days=366', 'expires_in_days'],
        ['?send_email_to=not-an-email', 'send_email_to'],
      ];
      for (const [query, field] of cases) {
        const response = await invite(leader, query);
        expect(response.status, query).toBe(422);
        expect(response.body.detail[0].loc).toEqual(['query', field]);
      }
    });

    it('refuses a role outside the list with 400 naming the allowed roles, by query or body', async () => {
      for (const [query, body, sent] of [
        ['?member_role=owner', undefined, 'owner'],
        ['', { member_role: 'admin' }, 'admin'],
      ] as const) {
        const response = await invite(leader, query, body);
        expect(response.status, query || 'body').toBe(400);
        expect(response.body.detail).toMatch(/member_role must be one of: member, team_leader/);
        expect(response.body.detail).toContain(sent);
      }
    });

    it('refuses a plain member with 403 and a stranger with 404', async () => {
      const forbidden = await invite(member);
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.detail).toBe('Only team leaders can invite members');
      const stranger = await invite(leader, '', undefined, other.id);
      expect(stranger.status).toBe(404);
      expect(stranger.body).toEqual({ detail: 'Team not found' });
    });

    it('records the address of a new person, lower-cased, and sends nothing yet', async () => {
      const email = `${unique('New.Person-')}@Example.TEST`;
      const response = await invite(leader, `?send_email_to=${encodeURIComponent(email)}`);
      expect(response.status).toBe(201);
      expect(response.body.code).not.toMatch(/^DIRECT_ADD:/);
      expect(response.body.email_sent_to).toBe(email.toLowerCase());
      expect(response.body.email_sent_at).toBeNull();
    });
  });

  describe('registering with a code', () => {
    it('makes the registrant a member of the team with the code’s role', async () => {
      const code = (await invite(leader, '?member_role=member')).body.code;
      const registered = await register(code);
      expect(registered.status).toBe(201);
      expect(registered.body.user.role).toBe('member');
      expect(await roleIn(team.id, registered.body.user.id)).toBe('member');
    });

    it('refuses a team leader a team_leader code with 403, by query or body, and issues nothing', async () => {
      const before = await server.request('GET', `/teams/${team.id}/invitations?page_size=100`, { token: leader.token });
      for (const [query, body] of [['?member_role=team_leader', undefined], ['', { member_role: 'team_leader' }]] as const) {
        const response = await invite(leader, query, body);
        expect(response.status).toBe(403);
        expect(response.body.detail).toMatch(/^Only admins can make team leaders/);
      }
      const after = await server.request('GET', `/teams/${team.id}/invitations?page_size=100`, { token: leader.token });
      expect(after.body.total).toBe(before.body.total);
    });

    it('lets an admin issue a team_leader code, whose registrant (global role member) can then lead', async () => {
      const code = (await invite(admin, '?member_role=team_leader')).body.code;
      const registered = await register(code);
      expect(registered.status).toBe(201);
      expect(registered.body.user.role).toBe('member');
      expect(await roleIn(team.id, registered.body.user.id)).toBe('team_leader');
      const token = registered.body.tokens.access_token;
      const edited = await server.request('PUT', `/teams/${team.id}`, { token, body: { description: 'Edited by the new leader' } });
      expect(edited.status).toBe(200);
      const theirOwn = await server.request('POST', `/teams/${team.id}/invitations`, { token });
      expect(theirOwn.status).toBe(201);
    });

    it('is single use by default', async () => {
      const code = (await invite(leader)).body.code;
      expect((await register(code)).status).toBe(201);
      const again = await register(code);
      expect(again.status).toBe(400);
      expect(again.body.detail).toBe('Invitation code has already been used');
    });

    it('honours max_uses', async () => {
      const issued = await invite(leader, '?max_uses=2');
      expect(issued.status).toBe(201);
      expect((await register(issued.body.code)).status).toBe(201);
      expect((await register(issued.body.code)).status).toBe(201);
      expect((await register(issued.body.code)).status).toBe(400);
    });
  });

  describe('inviting an existing user', () => {
    it('answers exactly as for a new address: same status, same shape, a real code, nobody added', async () => {
      const existing = await registerTeamMember(server, admin, other.id);
      const known = await invite(leader, `?send_email_to=${encodeURIComponent(existing.email.toUpperCase())}`);
      const unknown = await invite(leader, `?send_email_to=${encodeURIComponent(`${unique('nobody-')}@example.test`)}`);
      expect(known.status).toBe(201);
      expect(unknown.status).toBe(201);
      expect(Object.keys(known.body).sort()).toEqual(Object.keys(unknown.body).sort());
      for (const response of [known, unknown]) {
        expect(response.body).toMatchObject({ code: expect.stringMatching(/^[\w-]{32,64}$/), type: 'team', team_id: team.id, member_role: 'member' });
        expectDaysFromNow(response.body.expires_at, 7);
      }
      expect(known.body.email_sent_to).toBe(existing.email);
      expect(await roleIn(team.id, existing.id)).toBeUndefined();
    });

    it('lets the existing user join by accepting the code signed in, once, with the code’s role', async () => {
      const existing = await registerTeamMember(server, admin, other.id);
      const code = (await invite(admin, `?member_role=team_leader&send_email_to=${encodeURIComponent(existing.email)}`)).body.code;
      const accepted = await server.request('POST', `/invitations/${code}/accept`, { token: existing.token });
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
      expect(accepted.body).toMatchObject({ team_id: team.id, user_id: existing.id, role: 'team_leader', user_email: existing.email });
      expect(await roleIn(team.id, existing.id)).toBe('team_leader');
      const again = await server.request('POST', `/invitations/${code}/accept`, { token: member.token });
      expect(again.status).toBe(400);
      expect(again.body.detail).toBe('Invitation code has already been used');
    });

    it('answers 409 to a member accepting, without spending the code; refuses admin and unknown codes with 400', async () => {
      const code = (await invite(leader)).body.code;
      const already = await server.request('POST', `/invitations/${code}/accept`, { token: member.token });
      expect(already.status).toBe(409);
      expect(already.body).toEqual({ detail: 'User is already a member of this team' });
      expect((await register(code)).status).toBe(201);
      const adminCode = (await server.request('POST', '/admin/invitations/admin', { token: admin.token })).body.invitation.code;
      const refused = await server.request('POST', `/invitations/${adminCode}/accept`, { token: member.token });
      expect(refused.status).toBe(400);
      expect(refused.body.detail).toMatch(/^An admin invitation registers a new account/);
      expect((await register(adminCode)).status).toBe(201);
      const unknown = await server.request('POST', `/invitations/${unique('no-such-code-')}/accept`, { token: member.token });
      expect(unknown.status).toBe(400);
      expect(unknown.body.detail).toBe('Invalid invitation code');
      expect((await server.request('POST', `/invitations/${code}/accept`)).status).toBe(401);
    });

    it('refuses with 400 when they already are a member', async () => {
      const response = await invite(leader, `?send_email_to=${encodeURIComponent(member.email)}`);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ detail: 'User is already a member of this team' });
    });
  });

  describe('revoking codes', () => {
    it('lets a team leader revoke an unused code of their team, which then stops working', async () => {
      const code = (await invite(leader)).body.code;
      const revoked = await server.request('DELETE', `/teams/${team.id}/invitations/${code}`, { token: leader.token });
      expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
      expect(revoked.body.message).toBe('Invitation code revoked');
      const registered = await register(code);
      expect(registered.status).toBe(400);
      expect(registered.body.detail).toBe('Invalid invitation code');
    });

    it('refuses a used code with 400 and a plain member with 403', async () => {
      const used = (await invite(leader)).body.code;
      expect((await register(used)).status).toBe(201);
      const refused = await server.request('DELETE', `/teams/${team.id}/invitations/${used}`, { token: leader.token });
      expect(refused.status).toBe(400);
      expect(refused.body.detail).toBe('Cannot delete a used invitation code');
      const fresh = (await invite(leader)).body.code;
      const forbidden = await server.request('DELETE', `/teams/${team.id}/invitations/${fresh}`, { token: member.token });
      expect(forbidden.status).toBe(403);
      expect((await register(fresh)).status).toBe(201);
    });

    it('keeps another team’s codes out of a leader’s reach (404 either way), while an admin may revoke them', async () => {
      const theirs = (await invite(admin, '', undefined, other.id)).body.code;
      const throughMine = await server.request('DELETE', `/teams/${team.id}/invitations/${theirs}`, { token: leader.token });
      expect(throughMine.status).toBe(404);
      expect(throughMine.body).toEqual({ detail: 'Invitation code not found' });
      const throughTheirs = await server.request('DELETE', `/teams/${other.id}/invitations/${theirs}`, { token: leader.token });
      expect(throughTheirs.status).toBe(404);
      expect((await server.request('DELETE', `/admin/invitations/${theirs}`, { token: leader.token })).status).toBe(403);
      const byAdmin = await server.request('DELETE', `/teams/${other.id}/invitations/${theirs}`, { token: admin.token });
      expect(byAdmin.status).toBe(200);
      expect((await register(theirs)).status).toBe(400);
    });
  });

  describe('listing codes', () => {
    let listed: Session;
    let listedTeam: { id: string };
    beforeAll(async () => {
      listedTeam = await createTeam(server, admin, unique('Listed '));
      listed = await registerTeamMember(server, admin, listedTeam.id, 'team_leader');
      const used = await server.request('POST', `/teams/${listedTeam.id}/invitations?send_email_to=someone-${unique()}%40example.test`, {
        token: listed.token,
      });
      await register(used.body.code);
      for (let index = 0; index < 2; index += 1) await invite(listed, '?max_uses=3', undefined, listedTeam.id);
    });

    it('shows a team leader every code of the team, newest first, with its state', async () => {
      const response = await server.request('GET', `/teams/${listedTeam.id}/invitations`, { token: listed.token });
      expect(response.status).toBe(200);
      // The admin's invitation that brought `listed` in, the used one and two fresh ones.
      expect(response.body).toMatchObject({ total: 4, page: 1, page_size: 20 });
      const [newest] = response.body.invitations;
      expect(newest).toEqual({
        code: expect.any(String),
        type: 'team',
        team_id: listedTeam.id,
        member_role: 'member',
        expires_at: expect.stringMatching(/Z$/),
        max_uses: 3,
        uses_count: 0,
        is_active: true,
        used_at: null,
        used_by: null,
        created_by: listed.id,
        created_at: expect.stringMatching(/Z$/),
        email_sent_to: null,
        email_sent_at: null,
        email_error: null,
      });
      const used = response.body.invitations.filter((entry: { uses_count: number }) => entry.uses_count > 0);
      expect(used).toHaveLength(2);
      expect(used.every((entry: { used_by: string | null; used_at: string | null }) => entry.used_by && entry.used_at)).toBe(true);
    });

    it('filters by use and pages in both dialects', async () => {
      const unused = await server.request('GET', `/teams/${listedTeam.id}/invitations?used=false`, { token: listed.token });
      expect(unused.body.total).toBe(2);
      const all = (await server.request('GET', `/teams/${listedTeam.id}/invitations`, { token: listed.token })).body.invitations;
      const paged = await server.request('GET', `/teams/${listedTeam.id}/invitations?page=2&page_size=3`, { token: listed.token });
      expect(paged.body).toMatchObject({ total: 4, page: 2, page_size: 3 });
      expect(paged.body.invitations.map((entry: { code: string }) => entry.code)).toEqual([all[3].code]);
      const skipped = await server.request('GET', `/teams/${listedTeam.id}/invitations?skip=1&limit=2`, { token: listed.token });
      expect(skipped.body).toMatchObject({ total: 4, page: 1, page_size: 2 });
      expect(skipped.body.invitations.map((entry: { code: string }) => entry.code)).toEqual([all[1].code, all[2].code]);
    });

    it('refuses a plain member with 403 and a leader of another team with 404', async () => {
      const plain = await registerTeamMember(server, listed, listedTeam.id);
      expect((await server.request('GET', `/teams/${listedTeam.id}/invitations`, { token: plain.token })).status).toBe(403);
      const stranger = await server.request('GET', `/teams/${listedTeam.id}/invitations`, { token: leader.token });
      expect(stranger.status).toBe(404);
    });
  });

  describe('/v1', () => {
    it('issues and lists codes under /v1 as well', async () => {
      const issued = await server.request('POST', `/v1/teams/${team.id}/invitations?member_role=member`, { token: leader.token });
      expect(issued.status).toBe(201);
      const listed = await server.request('GET', `/v1/teams/${team.id}/invitations?page_size=100`, { token: leader.token });
      expect(listed.status).toBe(200);
      expect(listed.body.invitations.map((entry: { code: string }) => entry.code)).toContain(issued.body.code);
    });
  });
});
