// Spawned processes get no REDIS_URL, so they never write outside this run's key prefix.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activity } from '../../src/db/schema.js';
import { STRONG_PASSWORD } from '../helpers/actors.js';
import { httpRequest, startServer } from '../helpers/server.js';

const execFileAsync = promisify(execFile);
/** The built `intracker` (package.json's bin); the global setup builds it when stale. */
const CLI = [fileURLToPath(new URL('../../dist/main.js', import.meta.url))];

/** Runs `intracker …` to completion. */
async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [...CLI, ...args], { env: { ...process.env, REDIS_URL: '', ...env }, timeout: 100_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Starts `intracker serve` and resolves once it has printed its register URL. */
function serve(env: Record<string, string>): Promise<{ child: ChildProcess; output: () => string; baseUrl: string; code: string }> {
  const child = spawn(process.execPath, [...CLI, 'serve'], { env: { ...process.env, REDIS_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 100_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /api:\s+POST (http:\/\/[^\s]+)\/auth\/register .*"invitation_code": "([\w-]+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, output: () => output, baseUrl: match[1]!, code: match[2]! });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
}

/** Starts `intracker serve` on a data dir that already has data; resolves once it listens. */
function serveListening(env: Record<string, string>): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = spawn(process.execPath, [...CLI, 'serve'], { env: { ...process.env, REDIS_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 100_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, baseUrl: match[1]! });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

// Each test spawns Node and starts the app, which on a busy two-core machine can take tens of seconds.
describe('intracker CLI', { timeout: 120_000 }, () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'intracker-cli-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  describe('first start of serve on an empty database', () => {
    it('prints a one-time admin invitation that makes the first admin, and logs no secrets', async () => {
      const server = await serve({ DATABASE_URL: 'memory://', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'development' });
      try {
        const email = 'first.admin@example.test';
        const registered = await httpRequest(server.baseUrl, 'POST', '/auth/register', {
          body: { email, password: STRONG_PASSWORD, name: 'First', invitation_code: server.code },
        });
        expect(registered.status).toBe(201);
        expect(registered.body.user.role).toBe('admin');
        const again = await httpRequest(server.baseUrl, 'POST', '/auth/register', {
          body: { email: 'second@example.test', password: STRONG_PASSWORD, invitation_code: server.code },
        });
        expect(again.status).toBe(400);

        const secretToken = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2VuLXZhbHVl.c2ln';
        await httpRequest(server.baseUrl, 'GET', '/auth/me', { headers: { authorization: `Bearer ${secretToken}`, 'x-api-key': 'key-value-123' } });
        await httpRequest(server.baseUrl, 'POST', '/auth/login', { body: { email, password: STRONG_PASSWORD } });
        await httpRequest(server.baseUrl, 'POST', `/admin/create-user?email=x%40example.test&password=Query-Passw0rd!`, {
          token: registered.body.tokens.access_token,
        });
        expect(server.output()).toContain('password=%5Bredacted%5D');
        expect(server.output()).not.toContain('Query-Passw0rd');
        expect(server.output()).toContain('"url":"/auth/me"');
        expect(server.output()).not.toContain(secretToken);
        expect(server.output()).not.toContain('key-value-123');
        expect(server.output()).not.toContain(STRONG_PASSWORD);
        expect(server.output()).not.toContain(registered.body.tokens.access_token);
      } finally {
        const exited = new Promise((resolve) => server.child.once('exit', resolve));
        server.child.kill('SIGTERM');
        expect(await exited).toBe(0);
      }
    });
  });

  it('migrate applies the migrations and exits', async () => {
    const result = await cli(['migrate'], { DATA_DIR: dataDir, DATABASE_URL: '' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Database is up to date.');
  });

  it('create-admin makes an admin who can log in', async () => {
    const result = await cli(['create-admin', '--email', 'Ops@Example.test', '--password', STRONG_PASSWORD, '--name', 'Ops'], {
      DATA_DIR: dataDir,
      DATABASE_URL: '',
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Created admin');
    const server = await startServer({ DATABASE_URL: undefined, DATA_DIR: dataDir });
    try {
      const login = await server.request('POST', '/auth/login', { body: { email: 'ops@example.test', password: STRONG_PASSWORD } });
      expect(login.status).toBe(200);
      expect(login.body.user).toMatchObject({ role: 'admin', name: 'Ops' });
      // One mutation acted by the new admin: its activity rows, as registration leaves them.
      const userId = login.body.user.id as string;
      const recorded = async () =>
        (await server.app.fastify.services.database.db.select().from(activity).where(eq(activity.actorId, userId))).map((row) => `${row.action}:${row.entityType}`);
      expect(await recorded()).toEqual(expect.arrayContaining(['user.created:user', 'team.created:team', 'team.member_added:team_member']));

      // Again for the same address, through the running server's database: a promotion, recorded too.
      const again = await cli(['create-admin', '--email', 'ops@example.test', '--password', STRONG_PASSWORD], { DATA_DIR: dataDir, DATABASE_URL: '' });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain('it is now an admin');
      expect(await recorded()).toContain('user.role_changed:user');
    } finally {
      await server.close();
    }
  });

  it('create-admin refuses a weak password in one line with exit 2, and missing flags with usage', async () => {
    const weak = await cli(['create-admin', '--email', 'x@example.test', '--password', 'weak'], { DATABASE_URL: 'memory://' });
    expect(weak.code).toBe(2);
    expect(weak.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^intracker create-admin: Password must contain .*; choose a stronger --password$/)]);
    const missing = await cli(['create-admin', '--email', 'x@example.test'], { DATABASE_URL: 'memory://' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--password');
  });

  it('serve on a busy port says so in one line and exits 2', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    try {
      const result = await cli(['serve'], { DATABASE_URL: 'memory://', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent' });
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toEqual([
        `intracker serve: port ${port} on 127.0.0.1 is already in use by another process: stop that process, or set PORT to a free port (PORT=0 picks one)`,
      ]);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('serve and create-admin against an unreachable database say so in one line, without the password, and exit 2', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const env = { DATABASE_URL: 'postgres://someone:s3cret-pw@127.0.0.1:1/intracker', LOG_LEVEL: 'silent' };
    for (const args of [['serve'], ['create-admin', '--email', 'x@example.test', '--password', STRONG_PASSWORD], ['migrate']]) {
      const result = await cli(args, env);
      expect(result.code, result.stderr).toBe(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`intracker ${args[0]}: cannot reach the database at postgres://someone@127.0.0.1:1/intracker (ECONNREFUSED)`);
      expect(lines[0]).toContain('fix DATABASE_URL');
      expect(result.stderr).not.toContain('s3cret-pw');
    }
  });

  it('with PORT=0 prints the chosen port even at LOG_LEVEL=silent, and links the page at / where the first admin registers', async () => {
    const child = spawn(process.execPath, [...CLI, 'serve'], {
      env: { ...process.env, REDIS_URL: '', DATABASE_URL: 'memory://', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      const page = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no page link:\n${output}`)), 100_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const match = /page: (http:\/\/127\.0\.0\.1:\d+\/\?code=[\w%-]+)/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
      });
      const listening = /InTracker is listening at (http:\/\/127\.0\.0\.1:(\d+))/.exec(output);
      expect(listening).not.toBeNull();
      expect(Number(listening![2])).toBeGreaterThan(0);
      const code = decodeURIComponent(new URL(page).searchParams.get('code')!);

      const shown = await fetch(page);
      expect(shown.status).toBe(200);
      const html = await shown.text();
      expect(html).toContain(`name="invitation_code" required autocomplete="off" value="${code}"`);

      const form = new URLSearchParams({ invitation_code: code, email: 'page.admin@example.test', name: 'Page', password: STRONG_PASSWORD });
      const registered = await fetch(new URL('/', page), { method: 'POST', body: form });
      expect(registered.status).toBe(201);
      expect(await registered.text()).toContain('Registered page.admin@example.test as the admin.');
      const login = await httpRequest(listening![1]!, 'POST', '/auth/login', { body: { email: 'page.admin@example.test', password: STRONG_PASSWORD } });
      expect(login.status).toBe(200);
      expect(login.body.user.role).toBe('admin');
    } finally {
      await stop(child);
    }
  });

  it('names the bad variable when the configuration is invalid', async () => {
    const result = await cli(['serve'], { PORT: 'eighty', DATABASE_URL: 'mysql://nope' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PORT');
    expect(result.stderr).toContain('DATABASE_URL');
  });

  it('refuses to start in production without JWT secrets', async () => {
    const result = await cli(['serve'], { NODE_ENV: 'production', DATABASE_URL: 'memory://', JWT_SECRET: '', JWT_REFRESH_SECRET: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('JWT_SECRET: required when NODE_ENV=production');
  });

  it('prints usage for an unknown command', async () => {
    const result = await cli(['frobnicate'], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Unknown command: frobnicate');
    expect(result.stderr).toContain('create-admin');
  });

  describe('one process owns a data directory', () => {
    let ownedDir: string;
    let first: { child: ChildProcess; baseUrl: string };
    const env = () => ({ DATA_DIR: ownedDir, DATABASE_URL: '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'development' });

    beforeAll(async () => {
      ownedDir = await mkdtemp(join(tmpdir(), 'intracker-owned-'));
      first = await serveListening(env());
    }, 120_000); // a first start runs initdb on disk: tens of seconds on a loaded machine
    afterAll(async () => {
      if (first) await stop(first.child);
      await rm(ownedDir, { recursive: true, force: true });
    }, 60_000);

    it('create-admin beside a running server writes through its database: the server sees the admin', async () => {
      const created = await cli(['create-admin', '--email', 'beside@example.test', '--password', STRONG_PASSWORD], env());
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
      const login = await httpRequest(first.baseUrl, 'POST', '/auth/login', { body: { email: 'beside@example.test', password: STRONG_PASSWORD } });
      expect(login.status).toBe(200);
      expect(login.body.user.role).toBe('admin');
    });

    it('migrate beside a running server leaves it working', async () => {
      const migrated = await cli(['migrate'], env());
      expect(migrated.code).toBe(0);
      expect(migrated.stdout).toContain('Database is up to date.');
      expect((await httpRequest(first.baseUrl, 'GET', '/health/ready')).status).toBe(200);
      const login = await httpRequest(first.baseUrl, 'POST', '/auth/login', { body: { email: 'beside@example.test', password: STRONG_PASSWORD } });
      expect(login.status).toBe(200);
    });

    it('a second serve on the same data dir refuses with one line naming the directory and the first', async () => {
      const second = await cli(['serve'], env());
      expect(second.code).toBe(2);
      const lines = second.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(join(ownedDir, 'pglite'));
      expect(lines[0]).toContain(`process ${first.child.pid} (main.js serve)`);
      expect((await httpRequest(first.baseUrl, 'GET', '/health/ready')).status).toBe(200);
    });

    it('takes over the socket a killed owner left behind', async () => {
      await stop(first.child, 'SIGKILL');
      await access(join(ownedDir, 'pglite.sock')); // still there: nobody removed it
      const created = await cli(['create-admin', '--email', 'after.crash@example.test', '--password', STRONG_PASSWORD], env());
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
      first = await serveListening(env());
      for (const email of ['beside@example.test', 'after.crash@example.test']) {
        const login = await httpRequest(first.baseUrl, 'POST', '/auth/login', { body: { email, password: STRONG_PASSWORD } });
        expect(login.status).toBe(200);
      }
    });
  });
});
