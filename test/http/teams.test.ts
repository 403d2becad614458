import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('teams', () => {
  let server: TestServer;
  let admin: Session;
  // Team A: the admin created it; `leader` leads it by team role only (global role member),
  // `member` is a plain member. Team B is someone else's: neither of them belongs to it.
  let teamA: { id: string; name: string };
  let teamB: { id: string; name: string };
  let leader: Session;
  let member: Session;

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    teamA = await createTeam(server, admin, unique('Team A '));
    teamB = await createTeam(server, admin, unique('Team B '));
    leader = await registerTeamMember(server, admin, teamA.id, 'team_leader');
    member = await registerTeamMember(server, admin, teamA.id, 'member');
  });
  afterAll(() => server.close());

  describe('creating a team', () => {
    it('lets an admin create a team and makes them its leader', async () => {
      const name = unique('Created ');
      const response = await server.request('POST', '/teams', { token: admin.token, body: { name, description: 'Platform squad' } });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.any(String),
        name,
        description: 'Platform squad',
        language: null,
        created_by: admin.id,
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: expect.stringMatching(ISO_UTC),
      });
      const members = await server.request('GET', `/teams/${response.body.id}/members`, { token: admin.token });
      expect(members.body.members).toEqual([expect.objectContaining({ user_id: admin.id, role: 'team_leader' })]);
    });

    it('refuses anyone but a global admin, team leaders included', async () => {
      for (const session of [leader, member]) {
        const response = await server.request('POST', '/teams', { token: session.token, body: { name: unique('Nope ') } });
        expect(response.status).toBe(403);
        expect(response.body).toEqual({ detail: 'Only admins can create teams' });
      }
    });

    it('refuses a name that is already taken with 400', async () => {
      const response = await server.request('POST', '/teams', { token: admin.token, body: { name: teamA.name } });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ detail: `Team with name '${teamA.name}' already exists` });
    });

    it('validates the name: required, 1..255 characters', async () => {
      const missing = await server.request('POST', '/teams', { token: admin.token, body: { description: 'x' } });
      expect(missing.status).toBe(422);
      expect(missing.body.detail).toEqual([{ loc: ['body', 'name'], msg: 'Field required', type: 'missing' }]);
      for (const name of ['', 'n'.repeat(256)]) {
        const response = await server.request('POST', '/teams', { token: admin.token, body: { name } });
        expect(response.status).toBe(422);
        expect(response.body.detail[0].loc).toEqual(['body', 'name']);
      }
    });

    it('needs a token', async () => {
      const response = await server.request('POST', '/teams', { body: { name: unique('Anon ') } });
      expect(response.status).toBe(401);
    });
  });

  describe('seeing teams', () => {
    it('lists only the caller’s own teams to a non-admin', async () => {
      const response = await server.request('GET', '/teams', { token: member.token });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ total: 1, page: 1, page_size: 20 });
      expect(response.body.teams.map((team: { id: string }) => team.id)).toEqual([teamA.id]);
    });

    it('lists every team to an admin', async () => {
      const response = await server.request('GET', '/teams?page_size=100', { token: admin.token });
      expect(response.status).toBe(200);
      expect(response.body.total).toBeGreaterThanOrEqual(2);
      const ids = response.body.teams.map((team: { id: string }) => team.id);
      if (response.body.total <= 100) expect(ids).toEqual(expect.arrayContaining([teamA.id, teamB.id]));
    });

    it('shows a member their team', async () => {
      const response = await server.request('GET', `/teams/${teamA.id}`, { token: member.token });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: teamA.id, name: teamA.name });
    });

    it('answers 404 for another team, exactly as for an unknown one', async () => {
      const requests: [string, string, unknown?][] = [
        ['GET', `/teams/${teamB.id}`],
        ['PUT', `/teams/${teamB.id}`, { name: unique('Hijack ') }],
        ['GET', `/teams/${teamB.id}/members`],
        ['POST', `/teams/${teamB.id}/members?user_id=${member.id}`],
        ['POST', `/teams/${teamB.id}/language`, { language: 'en' }],
        ['GET', `/teams/${teamB.id}/invitations`],
        ['POST', `/teams/${teamB.id}/invitations`],
      ];
      for (const session of [leader, member]) {
        for (const [method, path, body] of requests) {
          const response = await server.request(method, path, { token: session.token, body });
          expect(response.status, `${method} ${path}`).toBe(404);
          expect(response.body).toEqual({ detail: 'Team not found' });
        }
      }
      const unknown = await server.request('GET', `/teams/${UNKNOWN_ID}`, { token: admin.token });
      expect(unknown.status).toBe(404);
      expect(unknown.body).toEqual({ detail: 'Team not found' });
    });

    it('answers 422 naming the path parameter for a malformed id', async () => {
      const response = await server.request('GET', '/teams/not-a-uuid', { token: admin.token });
      expect(response.status).toBe(422);
      expect(response.body.detail[0].loc).toEqual(['path', 'id']);
      const member = await server.request('DELETE', `/teams/${teamA.id}/members/nope`, { token: admin.token });
      expect(member.status).toBe(422);
      expect(member.body.detail[0].loc).toEqual(['path', 'user_id']);
    });
  });

  describe('editing a team', () => {
    it('lets a leader of that team edit it, though their global role is only member', async () => {
      const me = await server.request('GET', '/auth/me', { token: leader.token });
      expect(me.body.role).toBe('member');
      const name = unique('Renamed A ');
      const response = await server.request('PUT', `/teams/${teamA.id}`, { token: leader.token, body: { name, description: 'Now with a plan' } });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: teamA.id, name, description: 'Now with a plan' });
      teamA.name = name;
    });

    it('keeps omitted fields and clears the description with null', async () => {
      const kept = await server.request('PUT', `/teams/${teamA.id}`, { token: admin.token, body: {} });
      expect(kept.status).toBe(200);
      expect(kept.body).toMatchObject({ name: teamA.name, description: 'Now with a plan' });
      const cleared = await server.request('PUT', `/teams/${teamA.id}`, { token: admin.token, body: { description: null } });
      expect(cleared.status).toBe(200);
      expect(cleared.body).toMatchObject({ name: teamA.name, description: null });
    });

    it('refuses a plain member with 403', async () => {
      const response = await server.request('PUT', `/teams/${teamA.id}`, { token: member.token, body: { description: 'mine now' } });
      expect(response.status).toBe(403);
      expect(response.body.detail).toBe('Only team leaders can edit the team');
    });

    it('refuses a name another team has with 400', async () => {
      const response = await server.request('PUT', `/teams/${teamA.id}`, { token: leader.token, body: { name: teamB.name } });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ detail: `Team with name '${teamB.name}' already exists` });
    });
  });

  describe('deleting a team', () => {
    it('is for admins only: a team leader gets 403', async () => {
      const response = await server.request('DELETE', `/teams/${teamA.id}`, { token: leader.token });
      expect(response.status).toBe(403);
    });

    it('lets an admin delete a team, after which it is gone', async () => {
      const doomed = await createTeam(server, admin, unique('Doomed '));
      const response = await server.request('DELETE', `/teams/${doomed.id}`, { token: admin.token });
      expect(response.status).toBe(204);
      expect(response.text).toBe('');
      expect((await server.request('GET', `/teams/${doomed.id}`, { token: admin.token })).status).toBe(404);
      expect((await server.request('DELETE', `/teams/${doomed.id}`, { token: admin.token })).status).toBe(404);
    });
  });

  describe('team language', () => {
    it('refuses a plain member with 403', async () => {
      const response = await server.request('POST', `/teams/${teamA.id}/language`, { token: member.token, body: { language: 'en' } });
      expect(response.status).toBe(403);
    });

    it('refuses a language other than hu or en with 400 naming both, and a missing one with 422', async () => {
      const response = await server.request('POST', `/teams/${teamA.id}/language`, { token: leader.token, body: { language: 'de' } });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ detail: 'language must be one of: hu, en (got "de")' });
      const missing = await server.request('POST', `/teams/${teamA.id}/language`, { token: leader.token, body: {} });
      expect(missing.status).toBe(422);
    });

    it('lets a team leader set it once and refuses a second time with 400', async () => {
      const first = await server.request('POST', `/teams/${teamA.id}/language`, { token: leader.token, body: { language: 'hu' } });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ id: teamA.id, language: 'hu' });
      const second = await server.request('POST', `/teams/${teamA.id}/language`, { token: admin.token, body: { language: 'en' } });
      expect(second.status).toBe(400);
      expect(second.body.detail).toBe('Team language is already set and cannot be changed');
      const team = await server.request('GET', `/teams/${teamA.id}`, { token: member.token });
      expect(team.body.language).toBe('hu');
    });
  });

  describe('pagination', () => {
    // A user in five teams, named so that their order by name is known.
    let multi: Session;
    const names: string[] = [];
    beforeAll(async () => {
      const prefix = unique('Paged ');
      const first = await createTeam(server, admin, `${prefix} 0`);
      names.push(first.name);
      multi = await registerTeamMember(server, admin, first.id);
      for (let index = 1; index < 5; index += 1) {
        const team = await createTeam(server, admin, `${prefix} ${index}`);
        names.push(team.name);
        const added = await server.request('POST', `/teams/${team.id}/members?user_id=${multi.id}`, { token: admin.token });
        expect(added.status).toBe(201);
      }
    });

    async function window(query: string) {
      const response = await server.request('GET', `/teams?${query}`, { token: multi.token });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return { ...response.body, names: response.body.teams.map((team: { name: string }) => team.name) };
    }

    it('pages with page/page_size', async () => {
      expect(await window('page=1&page_size=2')).toMatchObject({ names: names.slice(0, 2), total: 5, page: 1, page_size: 2 });
      expect(await window('page=3&page_size=2')).toMatchObject({ names: names.slice(4), total: 5, page: 3, page_size: 2 });
      expect(await window('page=4&page_size=2')).toMatchObject({ names: [], total: 5, page: 4 });
    });

    it('pages with skip/limit, reporting the page they fall on', async () => {
      expect(await window('skip=0&limit=3')).toMatchObject({ names: names.slice(0, 3), total: 5, page: 1, page_size: 3 });
      expect(await window('skip=2&limit=2')).toMatchObject({ names: names.slice(2, 4), total: 5, page: 2, page_size: 2 });
      expect(await window('skip=4&limit=2')).toMatchObject({ names: names.slice(4), total: 5, page: 3, page_size: 2 });
    });

    it('defaults to the first 20', async () => {
      expect(await window('')).toMatchObject({ names, total: 5, page: 1, page_size: 20 });
    });

    it('refuses out-of-range windows with 422 on the query', async () => {
      for (const [query, field] of [
        ['page=0', 'page'],
        ['page_size=101', 'page_size'],
        ['limit=0', 'limit'],
        ['skip=-1', 'skip'],
        ['page=abc', 'page'],
      ]) {
        const response = await server.request('GET', `/teams?${query}`, { token: multi.token });
        expect(response.status, query).toBe(422);
        expect(response.body.detail[0].loc).toEqual(['query', field]);
      }
    });
  });

  describe('/v1', () => {
    it('serves the same team routes under /v1', async () => {
      const name = unique('Versioned ');
      const created = await server.request('POST', '/v1/teams', { token: admin.token, body: { name } });
      expect(created.status).toBe(201);
      const plain = await server.request('GET', `/teams/${created.body.id}`, { token: admin.token });
      const versioned = await server.request('GET', `/v1/teams/${created.body.id}`, { token: admin.token });
      expect(versioned.status).toBe(200);
      expect(versioned.body).toEqual(plain.body);
      const list = await server.request('GET', '/v1/teams', { token: member.token });
      expect(list.body.teams.map((team: { id: string }) => team.id)).toEqual([teamA.id]);
      const hidden = await server.request('GET', `/v1/teams/${teamB.id}/members`, { token: member.token });
      expect(hidden.status).toBe(404);
    });

    it('documents the routes once, without the /v1 copies', async () => {
      const response = await server.request('GET', '/openapi.json');
      const paths = Object.keys(response.body.paths);
      for (const path of ['/teams', '/teams/{id}', '/teams/{id}/members', '/teams/{id}/members/{user_id}/role', '/teams/{id}/invitations']) {
        expect(paths).toContain(path);
      }
      expect(response.body.paths['/teams'].post.tags).toEqual(['teams']);
      expect(response.body.paths['/teams/{id}'].get.security).toEqual([{ bearerAuth: [] }]);
    });
  });
});
