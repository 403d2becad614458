/**
 * The whole database, as code, re-exported from one place: services import tables
 * from here, and drizzle-kit reads this file. `npm run db:generate` diffs it against
 * the committed snapshots and writes the next SQL migration into ./migrations.
 *
 * Differences from the reference schema are the ones DECISIONS.md fixes: timestamptz,
 * database-generated UUIDs, CHECK constraints on every enum column, no dead tables or
 * `metadata` columns, audit references that become NULL when a user is deleted, and
 * the new columns for dependencies, claims, refresh-token rotation and the activity log.
 */
export * from './schema/enums.js';
export * from './schema/identity.js';
export * from './schema/work.js';
export * from './schema/integrations.js';
export * from './schema/jobs.js';
