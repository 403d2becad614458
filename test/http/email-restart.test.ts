import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeam, loginAdmin } from '../helpers/actors.js';
import { startServer, testEnv, unique } from '../helpers/server.js';
import { type TestSmtp, startSmtp } from '../helpers/smtp.js';
import { emailEnv, eventually } from '../helpers/email.js';

const execFileAsync = promisify(execFile);
/** The built `intracker` (package.json's bin); the global setup builds it when stale. */
const CLI = [fileURLToPath(new URL('../../dist/main.js', import.meta.url))];

/**
 * Jobs that outlive their process: queued while no consumer runs (a server with
 * JOBS_IN_SERVER=false), then delivered by the next server or by `intracker worker`.
 * On the embedded stack the queue is the `jobs` table of a PGlite database on disk;
 * on the Redis stack it is BullMQ.
 */
describe('jobs across restarts and processes', () => {
  let dataDir: string;
  let smtp: TestSmtp;
  const onRedis = Boolean(testEnv().REDIS_URL);
  // PGlite on disk for the embedded stack (memory:// would be gone with the server).
  const storage = () => (onRedis ? {} : { DATABASE_URL: undefined, DATA_DIR: dataDir });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'intracker-jobs-'));
    smtp = await startSmtp();
  });
  afterAll(async () => {
    await smtp.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('delivers an email queued before a restart, by the server that starts next', { timeout: 120_000 }, async () => {
    const env = emailEnv(smtp, storage());
    const first = await startServer({ ...env, JOBS_IN_SERVER: 'false' });
    const admin = await loginAdmin(first);
    const team = await createTeam(first, admin);
    const email = `${unique('restart-')}@example.test`;
    const created = await first.request('POST', `/teams/${team.id}/invitations`, { token: admin.token, body: { send_email_to: email } });
    expect(created.status).toBe(201);
    const queued = await first.request('GET', '/admin/jobs?state=queued', { token: admin.token });
    expect(queued.body.jobs).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'email.send', payload: expect.objectContaining({ to: email }) })]));
    // BullMQ numbers its jobs; the database queue's ids are UUIDs: each stack ran its own queue.
    expect(queued.body.jobs[0].id).toMatch(onRedis ? /^\d+$/ : /^[0-9a-f-]{36}$/);
    await first.close();
    expect(smtp.messages.some((mail) => mail.to.includes(email))).toBe(false);

    const second = await startServer(env);
    try {
      const mail = await smtp.waitFor(email, 30_000);
      expect(mail.text).toContain(created.body.code);
      await eventually(async () => {
        const row = await second.request('GET', `/admin/invitations/${created.body.code}`, { token: admin.token });
        return row.body.email_sent_at ? true : undefined;
      }, 'email_sent_at after the restart');
    } finally {
      await second.close();
    }
  });

  it('runs jobs in `intracker worker` beside a server that runs none, and the CLI lists and retries dead ones', { timeout: 180_000 }, async () => {
    const env = emailEnv(smtp, storage());
    const server = await startServer({ ...env, JOBS_IN_SERVER: 'false' });
    const childEnv = Object.fromEntries(
      Object.entries({ ...testEnv(env), LOG_LEVEL: 'warn' }).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    const processEnv = { ...process.env, DATABASE_URL: '', REDIS_URL: '', ...childEnv };
    let worker: ChildProcess | undefined;
    try {
      const admin = await loginAdmin(server);
      const team = await createTeam(server, admin);
      const email = `${unique('worker-')}@example.test`;
      const bounce = `${unique('dead-')}@example.test`;
      smtp.refuse = (address) => address === bounce;
      for (const to of [email, bounce]) {
        const created = await server.request('POST', `/teams/${team.id}/invitations`, { token: admin.token, body: { send_email_to: to } });
        expect(created.status).toBe(201);
      }

      let output = '';
      worker = spawn(process.execPath, [...CLI, 'worker'], { env: processEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      worker.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      worker.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await smtp.waitFor(email, 90_000).catch((error: unknown) => {
        throw new Error(`${String(error)}\nworker output:\n${output}`);
      });

      const dead = await eventually(async () => {
        const failed = await server.request('GET', '/admin/jobs?state=failed', { token: admin.token });
        return (failed.body.jobs as Array<{ id: string; payload: { to: string } }>).find((job) => job.payload.to === bounce);
      }, 'the dead-lettered job', 60_000);

      const listed = await execFileAsync(process.execPath, [...CLI, 'jobs', 'failed'], { env: processEnv, timeout: 100_000 });
      expect(listed.stdout).toContain(dead.id);
      expect(listed.stdout).toContain('email.send');

      smtp.refuse = () => false;
      const retried = await execFileAsync(process.execPath, [...CLI, 'jobs', 'retry', dead.id], { env: processEnv, timeout: 100_000 });
      expect(retried.stdout).toContain(`Queued email.send ${dead.id} again.`);
      await smtp.waitFor(bounce, 60_000);

      const unknown = await execFileAsync(process.execPath, [...CLI, 'jobs', 'retry', dead.id], { env: processEnv, timeout: 100_000 }).catch(
        (error: { code: number; stderr: string }) => error,
      );
      expect(unknown).toMatchObject({ code: 1 });
    } finally {
      smtp.refuse = () => false;
      if (worker && worker.exitCode === null) {
        const exited = new Promise((resolve) => worker!.once('exit', resolve));
        worker.kill('SIGTERM');
        await exited;
      }
      await server.close();
    }
  });
});
