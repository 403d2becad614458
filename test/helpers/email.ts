import { inject } from 'vitest';
import { unique } from './server.js';
import type { TestSmtp } from './smtp.js';

export const FRONTEND = 'http://app.example.test';

/**
 * Email test servers get a Redis key prefix of their own, so on the Redis stack
 * their BullMQ queue is theirs: a server of another test file (which runs jobs too)
 * never takes these emails. Small backoff keeps retries quick.
 */
export function emailEnv(smtp: TestSmtp | undefined, extra: Record<string, string | undefined> = {}) {
  return {
    SMTP_URL: smtp?.url,
    FRONTEND_URL: FRONTEND,
    JOBS_BACKOFF_MS: '200',
    JOBS_POLL_MS: '50',
    REDIS_KEY_PREFIX: `${inject('redisPrefix') ?? 'test:'}${unique('mail-')}:`,
    ...extra,
  };
}

export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

