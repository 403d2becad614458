import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres, { type Options, type PostgresType, type Sql } from 'postgres';
import type { DatabaseTarget } from '../config.js';
import { type EmbeddedServer, startEmbedded } from './embedded/host.js';
import { DataDirInUseError } from './embedded/ownership.js';
import { type DatabaseObserver, wrapSql } from './instrument.js';
import * as schema from './schema.js';

export { DataDirInUseError } from './embedded/ownership.js';
export type { DatabaseObserver } from './instrument.js';

/** The one database type services see. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Services accept either, so a caller can compose them inside its own transaction. */
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  kind: DatabaseTarget['kind'];
  /**
   * Applies every committed migration not yet applied. Several processes may call it
   * at once: on PostgreSQL they queue on an advisory lock; on the embedded database
   * they share one session, where the migration's transaction runs alone.
   */
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  poolSize?: number;
  /**
   * When another process owns the embedded data directory: `join` works through that
   * process's database (the CLI commands), `refuse` throws DataDirInUseError (`serve`).
   */
  whenOwned?: 'join' | 'refuse';
  observer?: DatabaseObserver;
  /** Told when the embedded database worker stops without being asked to. */
  onEmbeddedFailure?: (error: Error) => void;
}

// An arbitrary constant: every InTracker process takes the same advisory lock.
const MIGRATION_LOCK_KEY = 7_342_001;
const POSTGRES_POOL_SIZE = 10;
// Every connection to the embedded database shares its one session and its one
// thread, so more connections only queue there; a few keep the pipeline full.
const EMBEDDED_POOL_SIZE = 4;

// Resolves to <package>/src/db/migrations both from src/db (tsx) and from dist/db
// (the build), so the SQL files live once, where drizzle-kit writes them.
const migrationsFolder = fileURLToPath(new URL('../../src/db/migrations', import.meta.url));

const QUIET: Options<Record<string, PostgresType>> = {
  onnotice: () => {},
  // Our timestamps are timestamptz; keep them as Date objects in UTC.
  connection: { TimeZone: 'UTC' },
};

export async function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): Promise<Database> {
  if (target.kind === 'postgres') return openPostgres(target.url, options);
  return openEmbedded(target, options);
}

async function openPostgres(url: string, options: OpenOptions): Promise<Database> {
  const client = postgres(url, { ...QUIET, max: options.poolSize ?? POSTGRES_POOL_SIZE });
  return wrap(client, 'postgres', options, {
    migrate: async () => {
      // The advisory lock belongs to a connection, so the migration gets one of its own.
      const connection = postgres(url, { ...QUIET, max: 1 });
      try {
        const locked = drizzle(connection, { schema });
        await locked.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
        await migratePostgres(locked, { migrationsFolder });
      } finally {
        // Ending the connection releases the lock, also when the migration failed.
        await connection.end({ timeout: 5 });
      }
    },
    close: async () => {},
    prepare: true,
  });
}

/**
 * PGlite in a worker thread behind a Unix socket (src/db/embedded/). On a data dir
 * this process either owns the directory (and its worker) or, when another live
 * process does and `whenOwned` is `join`, connects to that process's socket.
 */
async function openEmbedded(target: Extract<DatabaseTarget, { kind: 'pglite' }>, options: OpenOptions): Promise<Database> {
  const started = await startEmbedded({ dataDir: target.dataDir, template: target.template, command: processCommand() });
  if (!started.owned && options.whenOwned !== 'join') throw new DataDirInUseError(target.dataDir ?? 'memory', started.owner);
  const server: EmbeddedServer | undefined = started.owned ? started.server : undefined;
  server?.stopped.catch((error: Error) => options.onEmbeddedFailure?.(error));
  const client = postgres({
    ...QUIET,
    path: started.owned ? started.server.socketPath : started.socketPath,
    max: options.poolSize ?? EMBEDDED_POOL_SIZE,
    // All connections share one backend session: two processes' named statements
    // (postgres.js names them by query text) would collide there.
    prepare: false,
  });
  // The migration's transaction owns the shared session until it commits, which is
  // all the exclusion an embedded migration needs (an advisory lock would be re-entrant there).
  return wrap(client, 'pglite', options, {
    migrate: (db) => migratePostgres(db, { migrationsFolder }),
    close: async () => server?.close(),
    prepare: false,
  });
}

function wrap(
  raw: Sql,
  kind: Database['kind'],
  options: OpenOptions,
  parts: { migrate: (db: PostgresJsDatabase<typeof schema>) => Promise<void>; close: () => Promise<void>; prepare: boolean },
): Database {
  options.observer?.poolCreated(raw.options.max);
  const client = wrapSql(raw, { observer: options.observer, prepare: parts.prepare });
  const db = drizzle(client, { schema });
  return {
    // PostgresJsDatabase is a PgDatabase with postgres.js's raw result type, which services never look at.
    db: db as unknown as Db,
    kind,
    migrate: () => parts.migrate(db),
    ping: async () => {
      await raw`select 1`;
    },
    close: async () => {
      try {
        await raw.end({ timeout: 5 });
      } finally {
        await parts.close();
      }
    },
  };
}

/** How the owner file names this process: the script and its subcommand, never its flags (a password may be among them). */
function processCommand(): string {
  const [, script, subcommand] = process.argv;
  return [basename(script ?? 'node'), subcommand].filter(Boolean).join(' ');
}
