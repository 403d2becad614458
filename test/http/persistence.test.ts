import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeam, loginAdmin } from '../helpers/actors.js';
import { startServer, testEnv, unique } from '../helpers/server.js';

describe('restarts', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'intracker-restart-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  // The embedded default: PGlite files and generated JWT secrets under DATA_DIR.
  // Two opens of a data dir on disk, the first running initdb: slow on a loaded two-core machine.
  it('keeps data and signed-in sessions across a restart with PGlite on disk', { timeout: 120_000 }, async () => {
    const env = { DATABASE_URL: undefined, DATA_DIR: dataDir, JWT_SECRET: undefined, JWT_REFRESH_SECRET: undefined };
    const first = await startServer(env);
    const admin = await loginAdmin(first);
    const team = await createTeam(first, admin, unique('persisted-'));
    await first.close();

    expect(await readdir(dataDir)).toEqual(expect.arrayContaining(['pglite', 'jwt-secrets.json']));

    const second = await startServer(env);
    try {
      // The token from before the restart still verifies: the secrets were kept too.
      const fetched = await second.request('GET', `/teams/${team.id}`, { token: admin.token });
      expect(fetched.status).toBe(200);
      expect(fetched.body.name).toBe(team.name);
      const refreshed = await second.request('POST', '/auth/refresh', { body: { refresh_token: admin.refreshToken } });
      expect(refreshed.status).toBe(200);
    } finally {
      await second.close();
    }
  });

  // On PostgreSQL (CI's second pass) data outlives the server; `memory://` is
  // throwaway by design, so there the same user is simply gone after a restart.
  it('keeps data across a restart on PostgreSQL, and only there with memory://', async () => {
    const throwaway = testEnv().DATABASE_URL === 'memory://';
    const first = await startServer();
    const admin = await loginAdmin(first);
    const team = await createTeam(first, admin, unique('persisted-'));
    await first.close();
    const second = await startServer();
    try {
      const fetched = await second.request('GET', `/teams/${team.id}`, { token: admin.token });
      expect(fetched.status).toBe(throwaway ? 401 : 200);
    } finally {
      await second.close();
    }
  });
});
