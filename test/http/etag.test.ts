import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

describe('ETag and If-None-Match', () => {
  let server: TestServer;
  let admin: Session;
  let member: Session;
  let project: { id: string };

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    const team = await createTeam(server, admin);
    member = await registerTeamMember(server, admin, team.id);
    project = (await server.request('POST', '/projects', { token: member.token, body: { team_id: team.id, name: unique('p-') } })).body;
  });
  afterAll(() => server.close());

  for (const [what, path] of [
    ['a single resource', () => `/projects/${project.id}`],
    ['a list', () => '/projects'],
    ['a /v1 route', () => `/v1/projects/${project.id}`],
  ] as const) {
    it(`tags ${what} and answers 304 with no body when the tag matches`, async () => {
      const first = await server.request('GET', path(), { token: member.token });
      expect(first.status).toBe(200);
      const etag = first.headers.get('etag');
      expect(etag).toMatch(/^W\/"[\w-]+"$/);
      expect(first.headers.get('cache-control')).toBe('private, no-cache');

      const again = await server.request('GET', path(), { token: member.token, headers: { 'if-none-match': etag! } });
      expect(again.status).toBe(304);
      expect(again.text).toBe('');
      expect(again.headers.get('etag')).toBe(etag);

      const listed = await server.request('GET', path(), { token: member.token, headers: { 'if-none-match': `"other", ${etag!.slice(2)}` } });
      expect(listed.status).toBe(304);
      const stale = await server.request('GET', path(), { token: member.token, headers: { 'if-none-match': 'W/"stale"' } });
      expect(stale.status).toBe(200);
      expect(stale.body).toEqual(first.body);
    });
  }

  it('changes the tag after an update', async () => {
    const before = await server.request('GET', `/projects/${project.id}`, { token: member.token });
    const listBefore = await server.request('GET', '/projects', { token: member.token });
    await server.request('PUT', `/projects/${project.id}`, { token: admin.token, body: { description: unique('changed ') } });
    const after = await server.request('GET', `/projects/${project.id}`, { token: member.token, headers: { 'if-none-match': before.headers.get('etag')! } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    const listAfter = await server.request('GET', '/projects', { token: member.token, headers: { 'if-none-match': listBefore.headers.get('etag')! } });
    expect(listAfter.status).toBe(200);
  });

  it('tags neither errors nor writes', async () => {
    const missing = await server.request('GET', '/projects/00000000-0000-4000-8000-000000000000', { token: member.token });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('etag')).toBeNull();
    const created = await server.request('PUT', `/projects/${project.id}`, { token: admin.token, body: { name: unique('p-') } });
    expect(created.headers.get('etag')).toBeNull();
  });
});
