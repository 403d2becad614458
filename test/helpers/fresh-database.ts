import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';

export interface FreshDatabase {
  /** The `DATABASE_URL` override for `startServer`: undefined keeps the stack's default. */
  url: string | undefined;
  drop(): Promise<void>;
}

/**
 * A database nobody else writes to, for tests about an installation's first start
 * (no admin yet, fixed names from the docs). On PostgreSQL it is a new database beside
 * the run's own, dropped afterwards; on the embedded stack every server already gets a
 * fresh in-memory copy of the migrated template, so there is nothing to make.
 */
export async function freshDatabase(): Promise<FreshDatabase> {
  const runUrl = inject('databaseUrl');
  if (!runUrl) return { url: undefined, drop: async () => {} };
  const url = new URL(runUrl);
  const name = `${url.pathname.slice(1)}_${randomBytes(3).toString('hex')}`;
  const admin = postgres(runUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}
