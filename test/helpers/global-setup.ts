import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { build } from '../../scripts/build.mjs';
import { staleBecause } from '../../scripts/build-state.mjs';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string | undefined;
    redisUrl: string | undefined;
    redisPrefix: string | undefined;
    pgliteTemplate: string | undefined;
  }
}

/**
 * With DATABASE_URL/REDIS_URL set, the run gets its own database on that server and
 * its own Redis key prefix, both removed at the end, so runs never see each other's
 * data. An unreachable server fails the run: integration tests never skip silently.
 */
export default async function setup(project: TestProject) {
  // The CLI tests run the built `intracker` (dist/main.js), as users do: build it first
  // when a source is newer than the last build (a fresh `npm ci` has built it already).
  const stale = await staleBecause();
  if (stale) {
    console.error(`Building dist/ for the CLI tests (${stale})…`);
    if ((await build()) !== 0) throw new Error('npm run build failed: the CLI tests need dist/');
  }
  const runId = `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const cleanups: (() => Promise<void>)[] = [];

  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl && !serverUrl.startsWith('memory://')) {
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
    try {
      await admin`select 1`;
    } catch (error) {
      await admin.end({ timeout: 1 });
      throw new Error(`DATABASE_URL is set but PostgreSQL is not reachable: ${(error as Error).message}`);
    }
    const name = `intracker_test_${runId}`;
    await admin.unsafe(`create database "${name}"`);
    cleanups.push(async () => {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end({ timeout: 5 });
    });
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    // Migrate once here, so the test files (which migrate again, finding nothing to do) never race.
    const database = await openDatabase(loadConfig({ DATABASE_URL: url.toString() }).database);
    try {
      await database.migrate();
    } catch (error) {
      await runCleanups(cleanups);
      throw error;
    } finally {
      await database.close();
    }
    project.provide('databaseUrl', url.toString());
    project.provide('pgliteTemplate', undefined);
  } else {
    project.provide('databaseUrl', undefined);
    const dir = await mkdtemp(join(tmpdir(), 'intracker-template-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    project.provide('pgliteTemplate', await writeMigratedTemplate(dir));
  }

  const redisUrl = process.env.REDIS_URL;
  if (redisUrl) {
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      redis.disconnect();
      throw new Error(`REDIS_URL is set but Redis is not reachable: ${(error as Error).message}`);
    }
    const prefix = `intracker-test-${runId}:`;
    project.provide('redisUrl', redisUrl);
    project.provide('redisPrefix', prefix);
    cleanups.push(async () => {
      for (let cursor = '0'; ; ) {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        if (keys.length > 0) await redis.del(...keys);
        if (next === '0') break;
        cursor = next;
      }
      redis.disconnect();
    });
  } else {
    project.provide('redisUrl', undefined);
    project.provide('redisPrefix', undefined);
  }

  return () => runCleanups(cleanups);
}

/**
 * Every memory:// server of the run starts from one migrated data dir instead of
 * running initdb (seconds of WebAssembly each) and the migrations again. Made here
 * with PGlite in this process: the same migration files the app applies.
 */
async function writeMigratedTemplate(dir: string): Promise<string> {
  const pglite = await PGlite.create('memory://');
  try {
    await migrate(drizzle(pglite), { migrationsFolder: fileURLToPath(new URL('../../src/db/migrations', import.meta.url)) });
    const file = join(dir, 'migrated.tar');
    await writeFile(file, Buffer.from(await (await pglite.dumpDataDir('none')).arrayBuffer()));
    return file;
  } finally {
    await pglite.close();
  }
}

async function runCleanups(cleanups: (() => Promise<void>)[]): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}
