import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { fileURLToPath } from 'node:url';
import { drizzle as drizzlePglite, type PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import type { DatabaseTarget } from '../config.js';
import * as schema from './schema.js';

/** The one database type services see, whichever driver is underneath. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Services accept either, so a caller can compose them inside its own transaction. */
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  kind: DatabaseTarget['kind'];
  /**
   * Applies every committed migration not yet applied. Several processes may call it
   * at once: on PostgreSQL they queue on an advisory lock.
   */
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

// An arbitrary constant: every InTracker process takes the same advisory lock.
const MIGRATION_LOCK_KEY = 7_342_001;

// Resolves to <package>/src/db/migrations both from src/db (tsx) and from dist/db
// (the build), so the SQL files live once, where drizzle-kit writes them.
const migrationsFolder = fileURLToPath(new URL('../../src/db/migrations', import.meta.url));

export async function openDatabase(target: DatabaseTarget, options: { poolSize?: number } = {}): Promise<Database> {
  if (target.kind === 'pglite') return openPglite(target.dataDir);
  return openPostgres(target.url, options.poolSize ?? 10);
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const client = new PGlite(dataDir);
  await client.waitReady;
  const pglite = drizzlePglite(client, { schema });
  return {
    db: asDb(pglite),
    kind: 'pglite',
    // PGlite is a single connection owned by this process, so there is nobody to lock out.
    migrate: () => migratePglite(pglite, { migrationsFolder }),
    ping: async () => {
      await client.query('select 1');
    },
    close: () => client.close(),
  };
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const client = postgres(url, {
    max: poolSize,
    onnotice: () => {},
    // Our timestamps are timestamptz; keep them as Date objects in UTC.
    connection: { TimeZone: 'UTC' },
  });
  return {
    db: asDb(drizzlePostgres(client, { schema })),
    kind: 'postgres',
    migrate: async () => {
      // The advisory lock belongs to a connection, so the migration gets one of its own.
      const connection = postgres(url, { max: 1, onnotice: () => {}, connection: { TimeZone: 'UTC' } });
      try {
        const locked = drizzlePostgres(connection, { schema });
        await locked.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
        await migratePostgres(locked, { migrationsFolder });
      } finally {
        // Ending the connection releases the lock, also when the migration failed.
        await connection.end({ timeout: 5 });
      }
    },
    ping: async () => {
      await client`select 1`;
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/**
 * Both drivers' databases are PgDatabase with the same schema and differ only in the
 * raw result type, which services never look at; this is the one place that says so.
 */
function asDb(db: PgliteDatabase<typeof schema> | PostgresJsDatabase<typeof schema>): Db {
  return db as unknown as Db;
}
