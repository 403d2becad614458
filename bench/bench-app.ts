import { type BuiltApp, buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

/** The admin every benchmark app is bootstrapped with. */
export const BENCH_ADMIN = { email: 'bench@intracker.test', password: 'Bench-Passw0rd!' };

/** Production refuses to start without keys for secrets at rest (GitHub tokens). */
export const BENCH_ENCRYPTION_KEYS = `bench:${Buffer.alloc(32, 1).toString('base64')}`;

/**
 * An app as the benchmarks run it: production mode, rate limits off, logs silent,
 * the database and Redis from the environment. `DATABASE_URL` picks PostgreSQL;
 * without it, `DATA_DIR` picks the embedded default on disk (what `npm start` runs);
 * with neither, PGlite in memory.
 */
export function buildBenchApp(): Promise<BuiltApp> {
  const database = process.env.DATABASE_URL
    ? { DATABASE_URL: process.env.DATABASE_URL }
    : process.env.DATA_DIR
      ? { DATA_DIR: process.env.DATA_DIR }
      : { DATABASE_URL: 'memory://' };
  return buildApp(
    loadConfig({
      NODE_ENV: 'production',
      ...database,
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: process.env.REDIS_KEY_PREFIX ?? 'intracker-bench:' } : {}),
      JWT_SECRET: 'bench-access-secret-0123456789-0123456789',
      JWT_REFRESH_SECRET: 'bench-refresh-secret-0123456789-0123456789',
      INTRACKER_ADMIN_EMAIL: BENCH_ADMIN.email,
      INTRACKER_ADMIN_PASSWORD: BENCH_ADMIN.password,
      RATE_LIMIT_LOGIN: '0',
      RATE_LIMIT_REGISTER: '0',
      RATE_LIMIT_REFRESH: '0',
      RATE_LIMIT_DEFAULT: '0',
      LOG_LEVEL: 'silent',
      ENCRYPTION_KEYS: BENCH_ENCRYPTION_KEYS,
      // The slow-upstream scenario points GitHub at a fake on loopback.
      ...githubEnvironment(),
    }),
    { logger: false },
  );
}

function githubEnvironment(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).flatMap(([name, value]) => (name.startsWith('GITHUB_') && value !== undefined ? [[name, value]] : [])),
  );
}
