import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRONG_PASSWORD, type Session, createTeam, login, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

interface Member {
  id: string;
  user_id: string;
  role: string;
}

describe('team members', () => {
  let server: TestServer;
  let admin: Session;
  let team: { id: string; name: string };
  let other: { id: string; name: string };
  // In `team`: `leader` (team role team_leader, global role member) and `member`.
  // `outsider` belongs only to `other`.
  let leader: Session;
  let member: Session;
  let outsider: Session;

  async function membersOf(teamId: string, session: Session = admin): Promise<Member[]> {
    const response = await server.request('GET', `/teams/${teamId}/members?page_size=100`, { token: session.token });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body.members;
  }

  async function roleIn(teamId: string, userId: string): Promise<string | undefined> {
    return (await membersOf(teamId)).find((entry) => entry.user_id === userId)?.role;
  }

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    team = await createTeam(server, admin, unique('Members '));
    other = await createTeam(server, admin, unique('Other '));
    leader = await registerTeamMember(server, admin, team.id, 'team_leader');
    member = await registerTeamMember(server, admin, team.id, 'member');
    outsider = await registerTeamMember(server, admin, other.id, 'member');
  });
  afterAll(() => server.close());

  describe('listing', () => {
    it('shows every member with their name and email, to members too', async () => {
      const response = await server.request('GET', `/teams/${team.id}/members`, { token: member.token });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ total: 3, page: 1, page_size: 20 });
      expect(response.body.members).toContainEqual({
        id: expect.any(String),
        team_id: team.id,
        user_id: member.id,
        role: 'member',
        joined_at: expect.stringMatching(/Z$/),
        user_name: 'Test User',
        user_email: member.email,
      });
      expect(response.body.members.map((entry: Member) => entry.user_id)).toEqual([admin.id, leader.id, member.id]);
    });

    it('pages with page/page_size and with skip/limit alike', async () => {
      const all = (await membersOf(team.id)).map((entry) => entry.user_id);
      const paged = await server.request('GET', `/teams/${team.id}/members?page=2&page_size=2`, { token: admin.token });
      expect(paged.body).toMatchObject({ total: 3, page: 2, page_size: 2 });
      expect(paged.body.members.map((entry: Member) => entry.user_id)).toEqual(all.slice(2));
      const skipped = await server.request('GET', `/teams/${team.id}/members?skip=1&limit=1`, { token: admin.token });
      expect(skipped.body).toMatchObject({ total: 3, page: 2, page_size: 1 });
      expect(skipped.body.members.map((entry: Member) => entry.user_id)).toEqual(all.slice(1, 2));
    });
  });

  describe('adding', () => {
    it('lets a team leader add a user from the query, as a member by default', async () => {
      const response = await server.request('POST', `/teams/${team.id}/members?user_id=${outsider.id}`, { token: leader.token });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ team_id: team.id, user_id: outsider.id, role: 'member', user_email: outsider.email });
      expect(await roleIn(team.id, outsider.id)).toBe('member');
    });

    it('accepts user_id and role in a JSON body too', async () => {
      const newcomer = await registerTeamMember(server, admin, other.id);
      const response = await server.request('POST', `/teams/${team.id}/members`, {
        token: admin.token,
        body: { user_id: newcomer.id, role: 'team_leader' },
      });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ user_id: newcomer.id, role: 'team_leader' });
    });

    it('refuses a team leader adding a team_leader with 403 (query or body), and adds nobody', async () => {
      const newcomer = await registerTeamMember(server, admin, other.id);
      const byQuery = await server.request('POST', `/teams/${team.id}/members?user_id=${newcomer.id}&role=team_leader`, { token: leader.token });
      expect(byQuery.status).toBe(403);
      expect(byQuery.body.detail).toMatch(/^Only admins can make team leaders/);
      const byBody = await server.request('POST', `/teams/${team.id}/members`, { token: leader.token, body: { user_id: newcomer.id, role: 'team_leader' } });
      expect(byBody.status).toBe(403);
      expect(await roleIn(team.id, newcomer.id)).toBeUndefined();
    });

    it('accepts the JSON body `null` next to the query (what axios sends for `post(url, null)`)', async () => {
      const newcomer = await registerTeamMember(server, admin, other.id);
      const response = await server.request('POST', `/teams/${team.id}/members?user_id=${newcomer.id}&role=member`, {
        token: leader.token,
        rawBody: 'null',
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ user_id: newcomer.id, role: 'member' });
    });

    it('answers 409 for a user who is already a member', async () => {
      const response = await server.request('POST', `/teams/${team.id}/members?user_id=${member.id}`, { token: leader.token });
      expect(response.status).toBe(409);
      expect(response.body).toEqual({ detail: 'User is already a member of this team' });
    });

    it('answers 404 for an unknown user', async () => {
      const response = await server.request('POST', `/teams/${team.id}/members?user_id=${UNKNOWN_ID}`, { token: leader.token });
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ detail: 'User not found' });
    });

    it('validates the role (400 naming the roles) and the user id (422) on the query', async () => {
      const role = await server.request('POST', `/teams/${team.id}/members?user_id=${outsider.id}&role=owner`, { token: leader.token });
      expect(role.status).toBe(400);
      expect(role.body).toEqual({ detail: 'role must be one of: member, team_leader (got "owner")' });
      const id = await server.request('POST', `/teams/${team.id}/members?user_id=42`, { token: leader.token });
      expect(id.status).toBe(422);
      expect(id.body.detail[0].loc).toEqual(['query', 'user_id']);
      const bodyRole = await server.request('POST', `/teams/${team.id}/members`, { token: leader.token, body: { user_id: outsider.id, role: 'boss' } });
      expect(bodyRole.status).toBe(400);
      expect(bodyRole.body).toEqual({ detail: 'role must be one of: member, team_leader (got "boss")' });
    });

    it('answers 422 "Field required" when user_id is in neither the query nor the body', async () => {
      const response = await server.request('POST', `/teams/${team.id}/members`, { token: leader.token });
      expect(response.status).toBe(422);
      expect(response.body.detail).toEqual([{ loc: ['body', 'user_id'], msg: 'Field required', type: 'missing' }]);
    });

    it('refuses a plain member with 403', async () => {
      const response = await server.request('POST', `/teams/${team.id}/members?user_id=${UNKNOWN_ID}`, { token: member.token });
      expect(response.status).toBe(403);
      expect(response.body.detail).toBe('Only team leaders can add members');
    });
  });

  describe('changing roles', () => {
    let subject: Session;
    beforeAll(async () => {
      subject = await registerTeamMember(server, leader, team.id);
    });

    it('refuses a team leader promoting a member to team_leader with 403', async () => {
      for (const request of [
        server.request('PUT', `/teams/${team.id}/members/${subject.id}/role?role=team_leader`, { token: leader.token }),
        server.request('PUT', `/teams/${team.id}/members/${subject.id}/role`, { token: leader.token, body: { role: 'team_leader' } }),
      ]) {
        const response = await request;
        expect(response.status).toBe(403);
        expect(response.body.detail).toMatch(/^Only admins can make team leaders/);
      }
      expect(await roleIn(team.id, subject.id)).toBe('member');
    });

    it('lets an admin promote with a query parameter and a team leader demote with a body', async () => {
      const promoted = await server.request('PUT', `/teams/${team.id}/members/${subject.id}/role?role=team_leader`, { token: admin.token });
      expect(promoted.status).toBe(200);
      expect(promoted.body).toMatchObject({ team_id: team.id, user_id: subject.id, role: 'team_leader', user_email: subject.email });
      const demoted = await server.request('PUT', `/teams/${team.id}/members/${subject.id}/role`, { token: leader.token, body: { role: 'member' } });
      expect(demoted.status).toBe(200);
      expect(demoted.body.role).toBe('member');
      expect(await roleIn(team.id, subject.id)).toBe('member');
    });

    it('validates the role: missing → 422, unknown → 400 naming the roles', async () => {
      const missing = await server.request('PUT', `/teams/${team.id}/members/${subject.id}/role`, { token: leader.token });
      expect(missing.status).toBe(422);
      expect(missing.body.detail).toEqual([{ loc: ['body', 'role'], msg: 'Field required', type: 'missing' }]);
      const unknown = await server.request('PUT', `/teams/${team.id}/members/${subject.id}/role?role=admin`, { token: leader.token });
      expect(unknown.status).toBe(400);
      expect(unknown.body).toEqual({ detail: 'role must be one of: member, team_leader (got "admin")' });
    });

    it('refuses a plain member with 403, and answers 404 for a user outside the team', async () => {
      const forbidden = await server.request('PUT', `/teams/${team.id}/members/${subject.id}/role?role=member`, { token: member.token });
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.detail).toBe('Only team leaders can change member roles');
      const stranger = await registerTeamMember(server, admin, other.id);
      const missing = await server.request('PUT', `/teams/${team.id}/members/${stranger.id}/role?role=member`, { token: leader.token });
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ detail: 'Team member not found' });
    });

    it('never demotes a team’s last leader', async () => {
      const solo = await createTeam(server, admin, unique('Solo '));
      const response = await server.request('PUT', `/teams/${solo.id}/members/${admin.id}/role?role=member`, { token: admin.token });
      expect(response.status).toBe(400);
      expect(response.body.detail).toBe('A team must keep at least one team leader');
      expect(await roleIn(solo.id, admin.id)).toBe('team_leader');
    });
  });

  describe('removing', () => {
    it('lets a team leader remove a member who has another team, keeping the account', async () => {
      const twoTeams = await registerTeamMember(server, admin, other.id);
      expect((await server.request('POST', `/teams/${team.id}/members?user_id=${twoTeams.id}`, { token: leader.token })).status).toBe(201);
      const response = await server.request('DELETE', `/teams/${team.id}/members/${twoTeams.id}`, { token: leader.token });
      expect(response.status).toBe(204);
      expect(response.text).toBe('');
      expect(await roleIn(team.id, twoTeams.id)).toBeUndefined();
      expect((await server.request('GET', '/auth/me', { token: twoTeams.token })).status).toBe(200);
    });

    it('refuses to take a non-admin user’s last team, even for an admin, and keeps the account', async () => {
      const onlyHere = await registerTeamMember(server, admin, team.id);
      for (const session of [leader, admin]) {
        const response = await server.request('DELETE', `/teams/${team.id}/members/${onlyHere.id}`, { token: session.token });
        expect(response.status).toBe(400);
        expect(response.body.detail).toBe(
          'Cannot remove the user from their last team: non-admin users must be members of at least one team',
        );
      }
      expect(await roleIn(team.id, onlyHere.id)).toBe('member');
      expect((await login(server, onlyHere.email, STRONG_PASSWORD)).id).toBe(onlyHere.id);
    });

    it('lets only one of two simultaneous removals take a user’s last two teams', async () => {
      const second = await createTeam(server, admin, unique('Second '));
      const user = await registerTeamMember(server, admin, other.id);
      expect((await server.request('POST', `/teams/${second.id}/members?user_id=${user.id}`, { token: admin.token })).status).toBe(201);
      const answers = await Promise.all(
        [other.id, second.id].map((teamId) => server.request('DELETE', `/teams/${teamId}/members/${user.id}`, { token: admin.token })),
      );
      expect(answers.map((answer) => answer.status).sort()).toEqual([204, 400]);
      const left = [await roleIn(other.id, user.id), await roleIn(second.id, user.id)].filter(Boolean);
      expect(left).toEqual(['member']);
    });

    it('never removes a team’s last leader', async () => {
      const solo = await createTeam(server, admin, unique('Led '));
      const response = await server.request('DELETE', `/teams/${solo.id}/members/${admin.id}`, { token: admin.token });
      expect(response.status).toBe(400);
      expect(response.body.detail).toBe('A team must keep at least one team leader');
    });

    it('lets an admin leave a team that has another leader, though it may be their last', async () => {
      const shared = await createTeam(server, admin, unique('Shared '));
      const coLeader = await registerTeamMember(server, admin, shared.id, 'team_leader');
      const response = await server.request('DELETE', `/teams/${shared.id}/members/${admin.id}`, { token: coLeader.token });
      expect(response.status).toBe(204);
      expect(await roleIn(shared.id, admin.id)).toBeUndefined();
    });

    it('refuses a plain member with 403 and answers 404 for a non-member', async () => {
      const forbidden = await server.request('DELETE', `/teams/${team.id}/members/${leader.id}`, { token: member.token });
      expect(forbidden.status).toBe(403);
      const missing = await server.request('DELETE', `/teams/${team.id}/members/${UNKNOWN_ID}`, { token: leader.token });
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ detail: 'Team member not found' });
    });

    it('answers 404 to a leader of another team', async () => {
      const otherLeader = await registerTeamMember(server, admin, other.id, 'team_leader');
      const response = await server.request('DELETE', `/teams/${team.id}/members/${member.id}`, { token: otherLeader.token });
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ detail: 'Team not found' });
    });
  });
});
