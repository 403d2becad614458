import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { createTodo } from '../helpers/content.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

/**
 * Input no schema keyword refuses on its own (docs/security.md "Bounded inputs"):
 * each case here answered 500 or was stored as something else before.
 */
describe('bounded inputs over REST', () => {
  let server: TestServer;
  let admin: Session;
  let member: Session;
  let teamId: string;
  let projectId: string;

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    teamId = (await createTeam(server, admin)).id;
    member = await registerTeamMember(server, admin, teamId);
    const project = await server.request('POST', '/projects', { token: member.token, body: { team_id: teamId, name: unique('p-') } });
    expect(project.status).toBe(201);
    projectId = project.body.id;
  });
  afterAll(() => server.close());

  describe('enum values', () => {
    it('answers 400 naming the allowed statuses for a status outside the workflow, in a body or a query', async () => {
      const todo = await createTodo(server, member, { project_id: projectId, title: 'x' });
      const body = await server.request('PUT', `/todos/${todo.id}`, { token: member.token, body: { status: 'tested' } });
      expect(body.status).toBe(400);
      expect(body.body).toEqual({ detail: 'status must be one of: new, in_progress, done (got "tested")' });
      const query = await server.request('GET', `/projects?status=sleeping`, { token: member.token });
      expect(query.status).toBe(400);
      expect(query.body).toEqual({ detail: 'status must be one of: active, paused, blocked, completed, archived (got "sleeping")' });
    });

    it('does the same for the other enums: priority, feature status', async () => {
      const priority = await server.request('POST', '/todos', { token: member.token, body: { project_id: projectId, title: 'x', priority: 'urgent' } });
      expect(priority.status).toBe(400);
      expect(priority.body.detail).toBe('priority must be one of: low, medium, high, critical (got "urgent")');
      const feature = await server.request('POST', '/features', { token: member.token, body: { project_id: projectId, name: 'f', status: 'shipped' } });
      expect(feature.status).toBe(400);
      expect(feature.body.detail).toBe('status must be one of: new, in_progress, done, tested, merged (got "shipped")');
    });
  });

  describe('numbers', () => {
    it.each(['page_size=1e309', 'page=1e309', 'page=-1e309', 'limit=1e309', 'skip=1e309'])('answers 422 to %s, naming the field', async (query) => {
      const response = await server.request('GET', `/projects?${query}`, { token: member.token });
      expect(response.status).toBe(422);
      expect(response.body.detail[0].loc).toEqual(['query', query.split('=')[0]]);
    });

    it('answers 422 to a skip or page past the bound, which PostgreSQL would refuse or scan for nothing', async () => {
      for (const query of ['skip=99999999999999999999', 'skip=100000001', 'page=1000001']) {
        const response = await server.request('GET', `/projects?${query}`, { token: member.token });
        expect(response.status, query).toBe(422);
      }
      const admins = await server.request('GET', '/admin/users?skip=9007199254740993', { token: admin.token });
      expect(admins.status).toBe(422);
      const last = await server.request('GET', '/projects?skip=100000000', { token: member.token });
      expect(last.status).toBe(200);
      expect(last.body.projects).toEqual([]);
    });

    it('answers 422 to 1e309 in a JSON body (JSON.parse makes it Infinity)', async () => {
      const response = await server.request('POST', '/todos', {
        token: member.token,
        rawBody: `{"project_id":"${projectId}","title":"x","position":1e309}`,
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status).toBe(422);
      expect(response.body.detail[0].loc).toEqual(['body', 'position']);
      const context = await server.request('POST', '/projects', {
        token: member.token,
        rawBody: `{"team_id":"${teamId}","name":"n${unique()}","resume_context":{"now":{"score":1e309}}}`,
        headers: { 'content-type': 'application/json' },
      });
      expect(context.status).toBe(422);
      expect(context.body.detail[0]).toEqual({ loc: ['body', 'resume_context', 'now', 'score'], msg: 'score must be a finite number', type: 'type' });
    });

    it('answers 422 to NUL or a lone surrogate anywhere in free-form JSON, which PostgreSQL cannot store', async () => {
      for (const value of ['"a\\u0000b"', '"\\ud83d"']) {
        const response = await server.request('POST', '/projects', {
          token: member.token,
          rawBody: `{"team_id":"${teamId}","name":"n${unique()}","resume_context":{"notes":[${value}]}}`,
          headers: { 'content-type': 'application/json' },
        });
        expect(response.status, value).toBe(422);
        expect(response.body.detail[0].loc).toEqual(['body', 'resume_context', 'notes', 0]);
      }
    });
  });

  describe('team names of odd unicode', () => {
    const createTeamRaw = (json: string) =>
      server.request('POST', '/teams', { token: admin.token, rawBody: `{"name":${json}}`, headers: { 'content-type': 'application/json' } });

    it.each([
      ['NUL and control characters', '"a\\u0000b"', 422],
      ['control characters', '"\\u0001\\u0007team"', 400],
      ['a newline', '"two\\nlines"', 400],
      ['a lone high surrogate', '"a\\ud800b"', 422],
      ['a lone low surrogate', '"\\udc00"', 422],
      ['zero-width characters only', '"\\u200b\\u200c\\u200d\\ufeff"', 400],
      ['a bidi override only', '"\\u202e"', 400],
      ['blanks only', '"  \\u00a0\\u3000 "', 400],
      ['Hangul fillers only', '"\\u3164\\u3164"', 400],
      ['an extremely long name', JSON.stringify('x'.repeat(200_000)), 422],
      ['256 astral characters', JSON.stringify('🚀'.repeat(256)), 422],
    ])('refuses %s with a 4xx, storing nothing', async (_label, json, status) => {
      const response = await createTeamRaw(json);
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      expect(typeof response.body.detail === 'string' || Array.isArray(response.body.detail)).toBe(true);
    });

    it('keeps accepting real names in any script, with emoji and joiners inside visible text', async () => {
      for (const name of [`Csapat ÁÉŐ ${unique()}`, `チーム ${unique()}`, `👩‍💻 devs ${unique()}`, `فريق ${unique()}`]) {
        const response = await createTeamRaw(JSON.stringify(name));
        expect(response.status, name).toBe(201);
        expect(response.body.name).toBe(name);
      }
    });

    it('applies the same rule to a rename', async () => {
      const response = await server.request('PUT', `/teams/${teamId}`, { token: admin.token, body: { name: '\u200b' } });
      expect(response.status).toBe(400);
      expect(response.body.detail).toBe('Team name must contain at least one visible character');
    });
  });
});
