import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

async function counter(server: TestServer, name: string): Promise<number> {
  const response = await server.request('GET', '/metrics');
  const line = response.text.split('\n').find((entry) => entry.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? 0);
}

// A server whose Redis is down from the start: port 1 on loopback, where nothing listens.
describe('project lists with Redis down', () => {
  let server: TestServer;
  let admin: Session;
  let member: Session;
  let team: { id: string };

  beforeAll(async () => {
    server = await startServer({ REDIS_URL: 'redis://127.0.0.1:1' });
    admin = await loginAdmin(server);
    team = await createTeam(server, admin);
    member = await registerTeamMember(server, admin, team.id);
  });
  afterAll(() => server.close());

  it('answers from the database, promptly, and counts the fallback', async () => {
    const before = await counter(server, 'cache_redis_fallbacks_total');
    const created = await server.request('POST', '/projects', { token: member.token, body: { team_id: team.id, name: unique('p-') } });
    expect(created.status).toBe(201);

    const started = performance.now();
    const list = await server.request('GET', '/projects', { token: member.token });
    const elapsed = performance.now() - started;
    expect(list.status).toBe(200);
    expect(list.body.projects.map((project: { id: string }) => project.id)).toContain(created.body.id);
    // No waiting for a reconnect: the cache gives up at once when Redis is not connected.
    expect(elapsed).toBeLessThan(1000);
    expect(await counter(server, 'cache_redis_fallbacks_total')).toBeGreaterThan(before);
  });

  it('keeps lists correct across updates', async () => {
    const created = await server.request('POST', '/projects', { token: member.token, body: { team_id: team.id, name: unique('p-') } });
    await server.request('GET', '/projects', { token: member.token });
    const renamed = unique('renamed-');
    await server.request('PUT', `/projects/${created.body.id}`, { token: admin.token, body: { name: renamed } });
    const list = await server.request('GET', '/projects?page_size=100', { token: member.token });
    expect(list.body.projects.map((project: { name: string }) => project.name)).toContain(renamed);
  });
});
