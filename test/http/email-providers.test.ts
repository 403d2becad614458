import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin } from '../helpers/actors.js';
import { emailEnv, eventually } from '../helpers/email.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

interface AzureRequest {
  to: string;
  subject: string;
}

/**
 * A stand-in for Azure Communication Services on loopback, speaking its email API:
 * `POST /emails:send` → 202 with an operation to poll → `Succeeded`. Recipients named
 * `bad-…` get a 400, `busy-…` a 503 on their first two tries.
 */
async function startFakeAzure(): Promise<{ server: Server; port: number; sent: AzureRequest[]; tries: Map<string, number> }> {
  const sent: AzureRequest[] = [];
  const tries = new Map<string, number>();
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const port = (server.address() as { port: number }).port;
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(JSON.stringify(value));
      };
      if (request.method === 'GET') return json(200, { id: 'op', status: 'Succeeded' }, { 'retry-after': '0' });
      const message = JSON.parse(body) as { recipients: { to: Array<{ address: string }> }; content: { subject: string } };
      const to = message.recipients.to[0]!.address;
      const attempt = (tries.get(to) ?? 0) + 1;
      tries.set(to, attempt);
      if (to.startsWith('bad-')) return json(400, { error: { code: 'InvalidRecipient', message: 'Recipient address is not valid' } });
      if (to.startsWith('busy-') && attempt <= 2) return json(503, { error: { code: 'ServiceUnavailable', message: 'try later' } });
      sent.push({ to, subject: message.content.subject });
      return json(202, { id: 'op', status: 'Running' }, { 'operation-location': `http://127.0.0.1:${port}/emails/operations/op?api-version=2025-09-01`, 'retry-after': '0' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, sent, tries };
}

describe('Azure Communication Services', () => {
  let azure: Awaited<ReturnType<typeof startFakeAzure>>;
  let server: TestServer;
  let admin: Session;
  let team: { id: string };

  beforeAll(async () => {
    azure = await startFakeAzure();
    server = await startServer(
      emailEnv(undefined, {
        EMAIL_PROVIDER: 'azure',
        AZURE_COMMUNICATION_SERVICES_CONNECTION_STRING: `endpoint=http://127.0.0.1:${azure.port}/;accesskey=${Buffer.from('k'.repeat(32)).toString('base64')}`,
        AZURE_EMAIL_SENDER_ADDRESS: 'DoNotReply@example.test',
      }),
    );
    admin = await loginAdmin(server);
    team = await createTeam(server, admin);
  });
  afterAll(async () => {
    await server?.close();
    await new Promise((resolve) => azure?.server.close(resolve));
  });

  const invite = async (email: string) => {
    const created = await server.request('POST', `/teams/${team.id}/invitations`, { token: admin.token, body: { send_email_to: email } });
    expect(created.status).toBe(201);
    return created.body.code as string;
  };
  const rowOf = async (code: string) => (await server.request('GET', `/admin/invitations/${code}`, { token: admin.token })).body;

  it('sends through the API and records the delivery', async () => {
    const email = `${unique('azure-')}@example.test`;
    const code = await invite(email);
    await eventually(async () => ((await rowOf(code)).email_sent_at ? true : undefined), 'email_sent_at');
    expect(azure.sent).toContainEqual({ to: email, subject: expect.stringContaining('You are invited to join') });
  });

  it('takes a 4xx as final: one try, then the dead-letter list', async () => {
    const email = `bad-${unique()}@example.test`;
    const code = await invite(email);
    const job = await eventually(async () => {
      const failed = await server.request('GET', '/admin/jobs?state=failed', { token: admin.token });
      return (failed.body.jobs as Array<{ attempts: number; last_error: string; payload: { to: string } }>).find((entry) => entry.payload.to === email);
    }, 'the dead-lettered job');
    expect(job.attempts).toBe(1);
    expect(job.last_error).toContain('HTTP 400');
    expect(azure.tries.get(email)).toBe(1);
    expect((await rowOf(code)).email_error).toContain('HTTP 400');
  });

  it('takes a 5xx as transient: tried again with backoff until it goes through', async () => {
    const email = `busy-${unique()}@example.test`;
    const code = await invite(email);
    await eventually(async () => ((await rowOf(code)).email_sent_at ? true : undefined), 'email_sent_at after retries');
    expect(azure.tries.get(email)).toBe(3);
    expect((await rowOf(code)).email_error).toBeNull();
  });
});

describe('the file outbox (the default without a mail provider)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'intracker-outbox-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('writes each email as an .eml file under DATA_DIR/outbox', async () => {
    const server = await startServer(emailEnv(undefined, { DATA_DIR: dataDir }));
    try {
      const admin = await loginAdmin(server);
      const email = `${unique('outbox-')}@example.test`;
      const created = await server.request('POST', '/admin/invitations/admin', { token: admin.token, body: { send_email_to: email } });
      expect(created.status).toBe(201);
      const outbox = join(dataDir, 'outbox');
      const files = await eventually(async () => {
        const names = await readdir(outbox).catch(() => [] as string[]);
        const done = names.filter((name) => name.endsWith('.eml'));
        return done.length > 0 ? done : undefined;
      }, 'an .eml file');
      const content = await readFile(join(outbox, files[0]!), 'utf8');
      expect(content).toContain(`To: ${email}`);
      expect(content).toContain('Subject: Your InTracker invitation');
    } finally {
      await server.close();
    }
  });
});
