import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  return '';
};

describe('email and job configuration', () => {
  it('picks the provider from what is set: SMTP_URL, then Azure, else the outbox under DATA_DIR', () => {
    expect(loadConfig({ DATA_DIR: '/srv/it' }).email).toEqual({ provider: 'outbox', from: 'InTracker <no-reply@intracker.local>', outboxDir: '/srv/it/outbox' });
    expect(loadConfig({ SMTP_URL: 'smtp://mail:25' }).email).toMatchObject({ provider: 'smtp', smtpUrl: 'smtp://mail:25' });
    expect(
      loadConfig({ AZURE_COMMUNICATION_SERVICES_CONNECTION_STRING: 'endpoint=https://x/;accesskey=a', AZURE_EMAIL_SENDER_ADDRESS: 'a@b.test' }).email,
    ).toMatchObject({ provider: 'azure', senderAddress: 'a@b.test' });
    expect(loadConfig({ EMAIL_PROVIDER: 'outbox', SMTP_URL: 'smtp://mail:25' }).email.provider).toBe('outbox');
  });

  it('fails at start-up naming the setting the chosen provider lacks', () => {
    expect(problemsOf({ EMAIL_PROVIDER: 'smtp' })).toContain('SMTP_URL: required when EMAIL_PROVIDER=smtp');
    expect(problemsOf({ EMAIL_PROVIDER: 'azure', AZURE_EMAIL_SENDER_ADDRESS: 'a@b.test' })).toContain(
      'AZURE_COMMUNICATION_SERVICES_CONNECTION_STRING: required when EMAIL_PROVIDER=azure',
    );
    expect(problemsOf({ AZURE_COMMUNICATION_SERVICES_CONNECTION_STRING: 'endpoint=https://x/;accesskey=a' })).toContain('AZURE_EMAIL_SENDER_ADDRESS');
    expect(problemsOf({ SMTP_URL: 'http://mail' })).toContain('SMTP_URL');
  });

  it('reads the job settings, with five tries, a 5 s first backoff and a claim sweep a minute by default', () => {
    expect(loadConfig({}).jobs).toEqual({ inServer: true, attempts: 5, backoffMs: 5000, concurrency: 4, pollMs: 1000, claimExpiryEveryMs: 60_000 });
    expect(loadConfig({ CLAIM_EXPIRY_INTERVAL_MS: '5000' }).jobs.claimExpiryEveryMs).toBe(5000);
    expect(problemsOf({ CLAIM_EXPIRY_INTERVAL_MS: '50' })).toContain('CLAIM_EXPIRY_INTERVAL_MS');
    expect(loadConfig({ JOBS_IN_SERVER: 'false', JOBS_ATTEMPTS: '2' }).jobs).toMatchObject({ inServer: false, attempts: 2 });
    expect(problemsOf({ JOBS_ATTEMPTS: '0' })).toContain('JOBS_ATTEMPTS');
  });
});
