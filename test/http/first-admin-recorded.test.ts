import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activity, users } from '../../src/db/schema.js';
import { STRONG_PASSWORD } from '../helpers/actors.js';
import { type TestServer, startServer } from '../helpers/server.js';

// The admin the first start creates from INTRACKER_ADMIN_EMAIL is written through
// `mutate()` like every other account: acted by that admin, with its activity rows.
// Read straight from the table: the audit routes show only project content.
describe('the first-start admin is recorded', () => {
  let server: TestServer;
  const email = 'first-admin@example.test';

  let dataDir: string;

  beforeAll(async () => {
    // Its own empty embedded database on both stacks (the shared one has admins already),
    // in a directory of its own so it can be started twice.
    dataDir = await mkdtemp(join(tmpdir(), 'intracker-first-admin-'));
    server = await startServer({ DATABASE_URL: undefined, DATA_DIR: dataDir, INTRACKER_ADMIN_EMAIL: email, INTRACKER_ADMIN_PASSWORD: STRONG_PASSWORD });
  });
  afterAll(async () => {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('leaves user.created, acted by the new admin, and the admin can log in', async () => {
    expect(server.app.firstStart).toEqual({ kind: 'admin_created', email });
    const db = server.app.fastify.services.database.db;
    const [admin] = await db.select().from(users).where(eq(users.email, email));
    expect(admin).toMatchObject({ role: 'admin' });
    const rows = await db.select().from(activity).where(and(eq(activity.entityType, 'user'), eq(activity.entityId, admin!.id)));
    expect(rows.map((row) => ({ action: row.action, actorId: row.actorId, after: row.after }))).toEqual([
      { action: 'user.created', actorId: admin!.id, after: { role: 'admin' } },
    ]);
    const team = await db.select().from(activity).where(and(eq(activity.action, 'team.created'), eq(activity.actorId, admin!.id)));
    expect(team).toHaveLength(1);
    const login = await server.request('POST', '/auth/login', { body: { email, password: STRONG_PASSWORD } });
    expect(login.status).toBe(200);
  });

  it('a restart on the same database creates nothing and records nothing more', async () => {
    const count = async (on: TestServer) =>
      (await on.app.fastify.services.database.db.select().from(activity).where(eq(activity.action, 'user.created'))).length;
    const before = await count(server);
    await server.close();
    server = await startServer({ DATABASE_URL: undefined, DATA_DIR: dataDir, INTRACKER_ADMIN_EMAIL: email, INTRACKER_ADMIN_PASSWORD: STRONG_PASSWORD });
    expect(server.app.firstStart).toEqual({ kind: 'ready' });
    expect(await count(server)).toBe(before);
  });
});
