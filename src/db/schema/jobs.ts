import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { oneOf } from './enums.js';
import { createdAt, updatedAt } from './identity.js';

/**
 * The in-process job queue (used when there is no Redis; BullMQ keeps its own jobs in
 * Redis). A row waits as `queued` until `run_at`, is `active` while a consumer holds
 * it (until `locked_until`, after which another consumer may take it again: a crash
 * mid-run loses nothing), and ends as `failed`, the dead-letter record, once its tries
 * are spent or the error was permanent. Completed jobs are deleted.
 */
export const JOB_STATES = ['queued', 'active', 'failed'] as const;

export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: varchar('name', { length: 60 }).notNull(),
    payload: jsonb('payload').notNull(),
    state: varchar('state', { length: 10 }).notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull(),
    runAt: timestamp('run_at', { withTimezone: true }).notNull().defaultNow(),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    lastError: text('last_error'),
    failedAt: timestamp('failed_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('jobs_due_idx').on(t.state, t.runAt),
    check('jobs_state_check', oneOf(t.state, JOB_STATES)),
    check('jobs_attempts_check', sql`${t.maxAttempts} >= 1`),
  ],
);
