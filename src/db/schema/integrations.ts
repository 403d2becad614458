import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { BRANCH_STATUSES, MCP_TOOL_PROFILES, oneOf } from './enums.js';
import { id, userRef, auditColumns, users } from './identity.js';
import { projects, features } from './work.js';

/** Agent keys, GitHub branches and the audit log. */

export const mcpApiKeys = pgTable(
  'mcp_api_keys',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    keyHash: varchar('key_hash', { length: 64 }).notNull(),
    name: varchar('name', { length: 255 }),
    projectId: uuid('project_id').references(() => projects.id, { onDelete: 'cascade' }),
    readOnly: boolean('read_only').notNull().default(false),
    toolProfile: varchar('tool_profile', { length: 20 }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    isActive: boolean('is_active').notNull().default(true),
    ...auditColumns(),
  },
  (t) => [
    uniqueIndex('mcp_api_keys_hash_key').on(t.keyHash),
    index('mcp_api_keys_user_active_idx').on(t.userId, t.isActive),
    check(
      'mcp_api_keys_tool_profile_check',
      sql`${t.toolProfile} is null or ${oneOf(t.toolProfile, MCP_TOOL_PROFILES)}`,
    ),
  ],
);

export const githubBranches = pgTable(
  'github_branches',
  {
    id: id(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    featureId: uuid('feature_id').references(() => features.id, { onDelete: 'set null' }),
    branchName: varchar('branch_name', { length: 255 }).notNull(),
    baseBranch: varchar('base_branch', { length: 255 }).notNull().default('main'),
    status: varchar('status', { length: 20 }).notNull().default('active'),
    aheadCount: integer('ahead_count').notNull().default(0),
    behindCount: integer('behind_count').notNull().default(0),
    hasConflicts: boolean('has_conflicts').notNull().default(false),
    lastCommitSha: varchar('last_commit_sha', { length: 64 }),
    lastCommitMessage: text('last_commit_message'),
    mergedAt: timestamp('merged_at', { withTimezone: true }),
    ...auditColumns(),
  },
  (t) => [
    uniqueIndex('github_branches_project_name_key').on(t.projectId, t.branchName),
    index('github_branches_feature_idx').on(t.featureId),
    check('github_branches_status_check', oneOf(t.status, BRANCH_STATUSES)),
  ],
);

/**
 * GitHub webhook deliveries already acted on, by `X-GitHub-Delivery`: GitHub redelivers
 * on timeouts and people press "Redeliver", and each delivery must act once.
 */
export const githubWebhookDeliveries = pgTable('github_webhook_deliveries', {
  deliveryId: varchar('delivery_id', { length: 100 }).primaryKey(),
  event: varchar('event', { length: 60 }).notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
});

/** What a GitHub import run is doing; `failed` is final (a retry of the job writes `queued` again first). */
export const GITHUB_IMPORT_RUN_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export const GITHUB_IMPORT_KINDS = ['issues', 'milestones'] as const;

/**
 * GitHub imports run as background jobs (`github.import`): one row per job, keyed by the
 * job's id, so the user who started one can read how it went (`GET /tasks/{id}`) and
 * its result, whichever queue ran it (the database queue deletes finished jobs and
 * BullMQ keeps them in Redis).
 */
export const githubImportRuns = pgTable(
  'github_import_runs',
  {
    jobId: varchar('job_id', { length: 64 }).primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    kind: varchar('kind', { length: 20 }).notNull(),
    options: jsonb('options').notNull(),
    status: varchar('status', { length: 20 }).notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(1),
    result: jsonb('result'),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('github_import_runs_user_idx').on(t.userId, t.createdAt),
    index('github_import_runs_created_idx').on(t.createdAt),
    check('github_import_runs_status_check', oneOf(t.status, GITHUB_IMPORT_RUN_STATUSES)),
    check('github_import_runs_kind_check', oneOf(t.kind, GITHUB_IMPORT_KINDS)),
  ],
);

/**
 * Append-only audit log, written in the same transaction as the mutation it records.
 * `team_id`/`project_id` are denormalised so reads can be scoped without joins to rows
 * that may since have been deleted.
 */
export const activity = pgTable(
  'activity',
  {
    id: id(),
    actorId: userRef('actor_id'),
    action: varchar('action', { length: 60 }).notNull(),
    entityType: varchar('entity_type', { length: 30 }).notNull(),
    entityId: uuid('entity_id').notNull(),
    teamId: uuid('team_id'),
    projectId: uuid('project_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('activity_entity_idx').on(t.entityType, t.entityId, t.at),
    index('activity_actor_idx').on(t.actorId, t.at),
    index('activity_project_idx').on(t.projectId, t.at),
    index('activity_team_idx').on(t.teamId, t.at),
  ],
);
