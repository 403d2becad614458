import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, loginAdmin } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

// Failure injection, not a mock: a real CHECK constraint, added to the server's own
// database for this test, refuses one team name, so creating that team fails inside
// PostgreSQL with the values as parameters of the failed INSERT.
describe('a database error in the log', () => {
  let server: TestServer;
  let admin: Session;
  const lines: string[] = [];
  const marker = unique('secret-team-name-');
  const secretDescription = unique('secret-description-');
  const constraint = unique('test_refuses_one_name_');

  const db = () => server.app.fastify.services.database.db;

  beforeAll(async () => {
    server = await startServer({ LOG_LEVEL: 'error' }, { logStream: { write: (line) => void lines.push(line) } });
    admin = await loginAdmin(server);
    await db().execute(sql.raw(`alter table teams add constraint ${constraint} check (name <> '${marker}') not valid`));
  });
  afterAll(async () => {
    await db().execute(sql.raw(`alter table teams drop constraint if exists ${constraint}`));
    await server.close();
  });

  it('names the SQLSTATE and the constraint, never the values', async () => {
    const response = await server.request('POST', '/teams', { token: admin.token, body: { name: marker, description: secretDescription } });
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ detail: 'Internal server error' });

    const logged = lines.join('\n');
    expect(logged).toContain('unhandled error');
    expect(logged).not.toContain(marker);
    expect(logged).not.toContain(secretDescription);
    expect(logged).not.toContain(admin.id);

    const entry = lines.map((line) => JSON.parse(line) as { msg?: string; err?: Record<string, unknown> }).find((line) => line.msg === 'unhandled error');
    const chain: Record<string, unknown>[] = [];
    for (let current = entry?.err; current; current = current.cause as Record<string, unknown> | undefined) chain.push(current);
    expect(chain).toContainEqual(expect.objectContaining({ sqlstate: '23514', constraint }));
    expect(chain[0]).toMatchObject({ sqlstate: '23514', constraint, query: expect.stringContaining('insert into "teams"') });
    expect(String(chain[0]!.stack)).toMatch(/^\s+at /);
  });
});
