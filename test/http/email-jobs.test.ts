import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Session, STRONG_PASSWORD, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';
import { FRONTEND, emailEnv, eventually } from '../helpers/email.js';
import { type TestSmtp, startSmtp } from '../helpers/smtp.js';

const linkFor = (code: string, email: string) => {
  const url = new URL('/register', FRONTEND);
  url.searchParams.set('code', code);
  url.searchParams.set('email', email);
  return url.toString();
};

describe('invitation emails over SMTP', () => {
  let smtp: TestSmtp;
  let server: TestServer;
  let admin: Session;
  let team: { id: string; name: string };

  beforeAll(async () => {
    smtp = await startSmtp();
    server = await startServer(emailEnv(smtp));
    admin = await loginAdmin(server);
    team = await createTeam(server, admin);
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.stop();
  });
  afterEach(() => {
    smtp.refuse = () => false;
    smtp.delayMs = 0;
  });

  const invitationOf = async (code: string) => {
    const list = await server.request('GET', `/teams/${team.id}/invitations?page_size=100`, { token: admin.token });
    expect(list.status).toBe(200);
    return (list.body.invitations as Array<Record<string, unknown>>).find((row) => row.code === code);
  };

  it('delivers a team invitation to the invitee with the team in the subject and the register link, and records it', async () => {
    const email = `${unique('invitee-')}@example.test`;
    const created = await server.request('POST', `/teams/${team.id}/invitations`, { token: admin.token, body: { send_email_to: email } });
    expect(created.status).toBe(201);
    const mail = await smtp.waitFor(email);
    expect(mail.to).toEqual([email]);
    expect(mail.subject).toBe(`You are invited to join ${team.name} on InTracker`);
    expect(mail.text).toContain(linkFor(created.body.code, email));
    expect(mail.html).toContain(linkFor(created.body.code, email).replace(/&/g, '&amp;'));
    const row = await eventually(async () => {
      const found = await invitationOf(created.body.code);
      return found?.email_sent_at ? found : undefined;
    }, 'email_sent_at');
    expect(row).toMatchObject({ email_sent_to: email, email_error: null });
  });

  it('writes in the team’s language, tells an existing user they were added, and mails admin invitations', async () => {
    const huTeam = await createTeam(server, admin);
    expect((await server.request('POST', `/teams/${huTeam.id}/language`, { token: admin.token, body: { language: 'hu' } })).status).toBe(200);
    const email = `${unique('hu-')}@example.test`;
    expect((await server.request('POST', `/teams/${huTeam.id}/invitations`, { token: admin.token, body: { send_email_to: email } })).status).toBe(201);
    expect((await smtp.waitFor(email)).subject).toBe(`Meghívó a(z) ${huTeam.name} csapatba az InTrackerben`);

    // An existing account gets the same invitation a new address does (nothing tells the
    // inviter who has an account); a leader adding the user directly sends "you were added".
    const member = await registerTeamMember(server, admin, team.id);
    const invited = await server.request('POST', `/teams/${huTeam.id}/invitations`, { token: admin.token, body: { send_email_to: member.email } });
    expect(invited.status).toBe(201);
    expect(invited.body.code).not.toMatch(/^DIRECT_ADD:/);
    expect((await smtp.waitFor(member.email)).subject).toBe(`Meghívó a(z) ${huTeam.name} csapatba az InTrackerben`);
    const added = await server.request('POST', `/teams/${huTeam.id}/members`, { token: admin.token, body: { user_id: member.id } });
    expect(added.status).toBe(201);
    const addedMail = await smtp.waitFor(member.email, undefined, (mail) => mail.subject.startsWith('Hozzáadtak'));
    expect(addedMail.subject).toBe(`Hozzáadtak a(z) ${huTeam.name} csapathoz az InTrackerben`);
    expect(addedMail.text).toContain(FRONTEND);

    const adminInvitee = `${unique('new-leader-')}@example.test`;
    const adminInvitation = await server.request('POST', '/admin/invitations/admin', { token: admin.token, body: { send_email_to: adminInvitee } });
    expect(adminInvitation.status).toBe(201);
    const adminMail = await smtp.waitFor(adminInvitee);
    expect(adminMail.subject).toBe('Your InTracker invitation');
    expect(adminMail.text).toContain(linkFor(adminInvitation.body.invitation.code, adminInvitee));
    const row = await eventually(async () => {
      const found = await server.request('GET', `/admin/invitations/${adminInvitation.body.invitation.code}`, { token: admin.token });
      return found.body.email_sent_at ? found.body : undefined;
    }, 'admin invitation email_sent_at');
    expect(row.email_error).toBeNull();
  });

  it('refuses an invalid recipient address with 422 and queues nothing', async () => {
    for (const [path, body] of [
      [`/teams/${team.id}/invitations`, { send_email_to: 'not-an-address' }],
      ['/admin/invitations/admin', { send_email_to: 'two@@example.test' }],
    ] as const) {
      const response = await server.request('POST', path, { token: admin.token, body });
      expect(response.status, path).toBe(422);
    }
    const queued = await server.request('GET', '/admin/jobs?state=queued', { token: admin.token });
    expect(queued.status).toBe(200);
    expect(JSON.stringify(queued.body.jobs)).not.toContain('not-an-address');
  });

  it('answers the invitation before a slow mail server has taken the email', async () => {
    smtp.delayMs = 2000;
    const email = `${unique('slow-')}@example.test`;
    const startedAt = Date.now();
    const created = await server.request('POST', `/teams/${team.id}/invitations`, { token: admin.token, body: { send_email_to: email } });
    const elapsed = Date.now() - startedAt;
    expect(created.status).toBe(201);
    // Had the request waited for the mail server it could not answer before the mail was in.
    expect(smtp.messages.some((mail) => mail.to.includes(email))).toBe(false);
    expect(elapsed).toBeLessThan(2000);
    await smtp.waitFor(email);
  });

  it('dead-letters a permanently refused email at once, lists it for admins only, and delivers it on retry', async () => {
    smtp.refuse = (address) => address.startsWith('bounce-');
    const email = `${unique('bounce-')}@example.test`;
    const created = await server.request('POST', `/teams/${team.id}/invitations`, { token: admin.token, body: { send_email_to: email } });
    expect(created.status).toBe(201);
    const job = await eventually(async () => {
      const failed = await server.request('GET', '/admin/jobs?state=failed', { token: admin.token });
      expect(failed.status).toBe(200);
      return (failed.body.jobs as Array<{ id: string; attempts: number; payload: { to: string }; last_error: string }>).find(
        (entry) => entry.payload.to === email,
      );
    }, 'the dead-lettered job');
    // 550 is permanent: one try, not five.
    expect(job.attempts).toBe(1);
    expect(job.last_error).toContain('550');
    const row = await invitationOf(created.body.code);
    expect(row).toMatchObject({ email_sent_at: null });
    expect(String(row?.email_error)).toContain('550');

    const member = await registerTeamMember(server, admin, team.id);
    expect((await server.request('GET', '/admin/jobs?state=failed', { token: member.token })).status).toBe(403);
    expect((await server.request('POST', `/admin/jobs/${job.id}/retry`, { token: member.token })).status).toBe(403);
    expect((await server.request('POST', '/admin/jobs/no-such-job/retry', { token: admin.token })).status).toBe(404);
    const bogus = await server.request('GET', '/admin/jobs?state=bogus', { token: admin.token });
    expect(bogus.status).toBe(400);
    expect(bogus.body.detail).toMatch(/^state must be one of: .*failed/);

    smtp.refuse = () => false;
    const retried = await server.request('POST', `/admin/jobs/${job.id}/retry`, { token: admin.token });
    expect(retried.status).toBe(200);
    await smtp.waitFor(email);
    await eventually(async () => ((await invitationOf(created.body.code))?.email_sent_at ? true : undefined), 'email_sent_at after retry');
    const failedAfter = await server.request('GET', '/admin/jobs?state=failed', { token: admin.token });
    expect(JSON.stringify(failedAfter.body.jobs)).not.toContain(email);
    // Retrying a job that is no longer dead is a 404, not a second send.
    expect((await server.request('POST', `/admin/jobs/${job.id}/retry`, { token: admin.token })).status).toBe(404);

    const metrics = await server.request('GET', '/metrics');
    expect(metrics.text).toMatch(/jobs_runs_total\{name="email.send",outcome="dead_lettered"\} [1-9]/);
    expect(metrics.text).toMatch(/jobs_runs_total\{name="email.send",outcome="completed"\} [1-9]/);
    expect(metrics.text).toMatch(/job_duration_seconds_count\{name="email.send",outcome="completed"\} [1-9]/);
    expect(metrics.text).toMatch(/jobs_in_queue\{state="dead_lettered"\} \d/);
  });

  it('lets the team’s leaders resend an invitation email, and nobody else', async () => {
    const email = `${unique('resend-')}@example.test`;
    const created = await server.request('POST', `/teams/${team.id}/invitations`, { token: admin.token, body: { send_email_to: email } });
    await smtp.waitFor(email);
    const resent = await server.request('POST', `/teams/${team.id}/invitations/${created.body.code}/resend`, { token: admin.token });
    expect(resent.status).toBe(202);
    expect(resent.body.invitation.email_error).toBeNull();
    await eventually(async () => (smtp.messages.filter((mail) => mail.to.includes(email)).length === 2 ? true : undefined), 'the second mail');

    const member = await registerTeamMember(server, admin, team.id);
    expect((await server.request('POST', `/teams/${team.id}/invitations/${created.body.code}/resend`, { token: member.token })).status).toBe(403);
    expect((await server.request('POST', `/teams/${team.id}/invitations/nope/resend`, { token: admin.token })).status).toBe(404);
    const otherTeam = await createTeam(server, admin);
    expect((await server.request('POST', `/teams/${otherTeam.id}/invitations/${created.body.code}/resend`, { token: admin.token })).status).toBe(404);
    const noAddress = await server.request('POST', `/teams/${team.id}/invitations`, { token: admin.token });
    const refused = await server.request('POST', `/teams/${team.id}/invitations/${noAddress.body.code}/resend`, { token: admin.token });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toBe('Invitation has no email address to send to');
    // A used code is not mailed again.
    await server.request('POST', '/auth/register', {
      body: { email, password: STRONG_PASSWORD, name: 'Resent', invitation_code: created.body.code },
    });
    const used = await server.request('POST', `/teams/${team.id}/invitations/${created.body.code}/resend`, { token: admin.token });
    expect(used.status).toBe(400);
  });
});

describe('an SMTP server that is down when the invitation is made', () => {
  it('gets the email by a later retry once it is up, and the row shows the failed try meanwhile', async () => {
    const smtp = await startSmtp({ listen: false });
    const server = await startServer(emailEnv(smtp));
    try {
      const admin = await loginAdmin(server);
      const team = await createTeam(server, admin);
      const email = `${unique('later-')}@example.test`;
      const created = await server.request('POST', `/teams/${team.id}/invitations`, { token: admin.token, body: { send_email_to: email } });
      expect(created.status).toBe(201);
      const row = async () => {
        const list = await server.request('GET', `/teams/${team.id}/invitations`, { token: admin.token });
        return (list.body.invitations as Array<Record<string, unknown>>).find((entry) => entry.code === created.body.code);
      };
      const failedTry = await eventually(async () => {
        const found = await row();
        return found?.email_error ? found : undefined;
      }, 'the first failed try');
      expect(failedTry.email_sent_at).toBeNull();
      await smtp.start();
      await smtp.waitFor(email);
      const delivered = await eventually(async () => {
        const found = await row();
        return found?.email_sent_at ? found : undefined;
      }, 'email_sent_at');
      expect(delivered.email_error).toBeNull();
      const failed = await server.request('GET', '/admin/jobs?state=failed', { token: admin.token });
      expect(failed.body.total).toBe(0);
    } finally {
      await server.close();
      await smtp.stop();
    }
  });
});

describe('a queue whose Redis is down', () => {
  it('still creates the invitation, says on the row that the email is not queued, and answers 503 for the job list', async () => {
    // Port 1 on loopback: nothing listens there.
    const server = await startServer({ REDIS_URL: 'redis://127.0.0.1:1', REDIS_KEY_PREFIX: `${unique('down-')}:` });
    try {
      const admin = await loginAdmin(server);
      const email = `${unique('unqueued-')}@example.test`;
      const startedAt = Date.now();
      const created = await server.request('POST', '/admin/invitations/admin', { token: admin.token, body: { send_email_to: email } });
      expect(created.status).toBe(201);
      // At most the enqueue timeout (3 s), never the minutes BullMQ would wait for Redis.
      expect(Date.now() - startedAt).toBeLessThan(10_000);
      const row = await server.request('GET', `/admin/invitations/${created.body.invitation.code}`, { token: admin.token });
      expect(row.body.email_sent_at).toBeNull();
      expect(row.body.email_error).toMatch(/^could not queue the email/);
      const jobs = await server.request('GET', '/admin/jobs', { token: admin.token });
      expect(jobs.status).toBe(503);
      expect(jobs.body.detail).toMatch(/job queue is not reachable/);
      const metrics = await server.request('GET', '/metrics');
      expect(metrics.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
