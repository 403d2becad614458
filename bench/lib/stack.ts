import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import postgres from 'postgres';

export type StackName = 'embedded' | 'postgres';

/**
 * Where a scenario's server keeps its data. Every `environment()` is fresh: a new
 * temp `DATA_DIR` for the embedded default; a new database on the server and a new
 * Redis key prefix for PostgreSQL + Redis (as test/helpers/global-setup.ts does), so
 * scenarios never read each other's rows. `close()` removes all of it.
 */
export interface Stack {
  name: StackName;
  environment(label: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

export async function embeddedStack(): Promise<Stack> {
  const dirs: string[] = [];
  return {
    name: 'embedded',
    environment: async (label) => {
      const dir = await mkdtemp(join(tmpdir(), `intracker-bench-${label}-`));
      dirs.push(dir);
      return { DATA_DIR: dir };
    },
    close: async () => {
      for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function postgresStack(databaseUrl: string, redisUrl: string): Promise<Stack> {
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await admin`select 1`;
    await redis.connect();
    await redis.ping();
  } catch (error) {
    await admin.end({ timeout: 1 });
    redis.disconnect();
    throw new Error(`PostgreSQL (${databaseUrl}) or Redis (${redisUrl}) is not reachable: ${(error as Error).message}`);
  }
  const databases: string[] = [];
  const prefix = `intracker-bench-${runId}`;
  return {
    name: 'postgres',
    environment: async (label) => {
      const name = `intracker_bench_${runId}_${label.replace(/\W/g, '_')}`;
      await admin.unsafe(`create database "${name}"`);
      databases.push(name);
      const url = new URL(databaseUrl);
      url.pathname = `/${name}`;
      return { DATABASE_URL: url.toString(), REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `${prefix}-${label}:` };
    },
    close: async () => {
      for (const name of databases.splice(0)) await admin.unsafe(`drop database if exists "${name}" with (force)`);
      for (let cursor = '0'; ; ) {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}-*`, 'COUNT', 500);
        if (keys.length > 0) await redis.del(...keys);
        if (next === '0') break;
        cursor = next;
      }
      await admin.end({ timeout: 5 });
      redis.disconnect();
    },
  };
}
