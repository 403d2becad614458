import { sql, type SQL } from 'drizzle-orm';
import {
  type AnyPgColumn,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';

/**
 * The whole database, as code. `npm run db:generate` diffs this file against the
 * committed snapshots and writes the next SQL migration into ./migrations.
 *
 * Differences from the reference schema are the ones DECISIONS.md fixes: timestamptz,
 * database-generated UUIDs, CHECK constraints on every enum column, no dead tables or
 * `metadata` columns, audit references that become NULL when a user is deleted, and
 * the new columns for dependencies, claims, refresh-token rotation and the activity log.
 */

export const USER_ROLES = ['admin', 'team_leader', 'member'] as const;
export const TEAM_ROLES = ['team_leader', 'member'] as const;
export const TEAM_LANGUAGES = ['hu', 'en'] as const;
export const INVITATION_TYPES = ['admin', 'team'] as const;
export const PROJECT_STATUSES = ['active', 'paused', 'blocked', 'completed', 'archived'] as const;
export const ELEMENT_TYPES = [
  'module',
  'feature',
  'component',
  'milestone',
  'technical_block',
  'decision_point',
  'task',
] as const;
export const ELEMENT_STATUSES = ['new', 'in_progress', 'done', 'tested'] as const;
export const DEPENDENCY_TYPES = ['blocks', 'requires', 'related'] as const;
export const FEATURE_STATUSES = ['new', 'in_progress', 'done', 'tested', 'merged'] as const;
export const TODO_STATUSES = ['new', 'in_progress', 'done'] as const;
export const TODO_PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export const DOCUMENT_TYPES = [
  'architecture',
  'adr',
  'domain',
  'constraints',
  'runbook',
  'ai_instructions',
  'notes',
] as const;
export const IDEA_STATUSES = ['draft', 'active', 'archived'] as const;
export const BRANCH_STATUSES = ['active', 'merged', 'deleted'] as const;
export const MCP_TOOL_PROFILES = ['core', 'standard', 'all'] as const;

/** `column IN ('a','b',…)` for a CHECK constraint; values are our own constants, never input. */
function oneOf(column: AnyPgColumn, values: readonly string[]): SQL {
  return sql`${column} in (${sql.raw(values.map((value) => `'${value}'`).join(', '))})`;
}

const id = () => uuid('id').primaryKey().defaultRandom();
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () =>
  timestamp('updated_at', { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());
const userRef = (name: string) => uuid(name).references((): AnyPgColumn => users.id, { onDelete: 'set null' });
const auditColumns = () => ({
  createdBy: userRef('created_by'),
  updatedBy: userRef('updated_by'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const users = pgTable(
  'users',
  {
    id: id(),
    email: varchar('email', { length: 320 }).notNull(),
    name: varchar('name', { length: 255 }),
    passwordHash: text('password_hash').notNull(),
    role: varchar('role', { length: 20 }).notNull().default('member'),
    githubUsername: varchar('github_username', { length: 255 }),
    avatarUrl: text('avatar_url'),
    githubAccessTokenEncrypted: text('github_access_token_encrypted'),
    githubRefreshTokenEncrypted: text('github_refresh_token_encrypted'),
    githubTokenExpiresAt: timestamp('github_token_expires_at', { withTimezone: true }),
    githubRefreshTokenExpiresAt: timestamp('github_refresh_token_expires_at', { withTimezone: true }),
    githubConnectedAt: timestamp('github_connected_at', { withTimezone: true }),
    onboardingStep: integer('onboarding_step').notNull().default(0),
    mcpVerifiedAt: timestamp('mcp_verified_at', { withTimezone: true }),
    setupCompleted: boolean('setup_completed').notNull().default(false),
    isActive: boolean('is_active').notNull().default(true),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('users_email_key').on(t.email),
    index('users_role_idx').on(t.role),
    check('users_role_check', oneOf(t.role, USER_ROLES)),
    check('users_email_lower_check', sql`${t.email} = lower(${t.email})`),
  ],
);

/** Refresh tokens by `jti`; a family is one login, rotated on every refresh. */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    familyId: uuid('family_id').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: varchar('token_hash', { length: 64 }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    rotatedAt: timestamp('rotated_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('refresh_tokens_family_idx').on(t.familyId), index('refresh_tokens_user_idx').on(t.userId)],
);

export const teams = pgTable(
  'teams',
  {
    id: id(),
    name: varchar('name', { length: 255 }).notNull(),
    description: text('description'),
    language: varchar('language', { length: 2 }),
    ...auditColumns(),
  },
  (t) => [
    uniqueIndex('teams_name_key').on(t.name),
    index('teams_created_by_idx').on(t.createdBy),
    check('teams_language_check', sql`${t.language} is null or ${oneOf(t.language, TEAM_LANGUAGES)}`),
  ],
);

export const teamMembers = pgTable(
  'team_members',
  {
    id: id(),
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: varchar('role', { length: 20 }).notNull().default('member'),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('team_members_team_user_key').on(t.teamId, t.userId),
    index('team_members_user_idx').on(t.userId),
    check('team_members_role_check', oneOf(t.role, TEAM_ROLES)),
  ],
);

export const invitationCodes = pgTable(
  'invitation_codes',
  {
    id: id(),
    code: varchar('code', { length: 64 }).notNull(),
    type: varchar('type', { length: 10 }).notNull(),
    teamId: uuid('team_id').references(() => teams.id, { onDelete: 'cascade' }),
    memberRole: varchar('member_role', { length: 20 }).notNull().default('member'),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    maxUses: integer('max_uses').default(1),
    usesCount: integer('uses_count').notNull().default(0),
    isActive: boolean('is_active').notNull().default(true),
    usedAt: timestamp('used_at', { withTimezone: true }),
    usedBy: userRef('used_by'),
    emailSentTo: varchar('email_sent_to', { length: 320 }),
    emailSentAt: timestamp('email_sent_at', { withTimezone: true }),
    emailError: text('email_error'),
    ...auditColumns(),
  },
  (t) => [
    uniqueIndex('invitation_codes_code_key').on(t.code),
    index('invitation_codes_team_idx').on(t.teamId),
    index('invitation_codes_type_idx').on(t.type),
    check('invitation_codes_type_check', oneOf(t.type, INVITATION_TYPES)),
    check('invitation_codes_member_role_check', oneOf(t.memberRole, TEAM_ROLES)),
    check('invitation_codes_team_check', sql`(${t.type} = 'team') = (${t.teamId} is not null)`),
    check('invitation_codes_uses_check', sql`${t.maxUses} is null or ${t.maxUses} >= 1`),
  ],
);

export const projects = pgTable(
  'projects',
  {
    id: id(),
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: 255 }).notNull(),
    description: text('description'),
    status: varchar('status', { length: 20 }).notNull().default('active'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    technologyTags: text('technology_tags').array().notNull().default(sql`'{}'::text[]`),
    lastSessionAt: timestamp('last_session_at', { withTimezone: true }),
    resumeContext: jsonb('resume_context'),
    cursorInstructions: text('cursor_instructions'),
    githubRepoUrl: text('github_repo_url'),
    githubRepoId: varchar('github_repo_id', { length: 64 }),
    ...auditColumns(),
  },
  (t) => [
    index('projects_team_status_idx').on(t.teamId, t.status),
    index('projects_team_created_idx').on(t.teamId, t.createdAt),
    check('projects_status_check', oneOf(t.status, PROJECT_STATUSES)),
  ],
);

export const projectElements = pgTable(
  'project_elements',
  {
    id: id(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    parentId: uuid('parent_id').references((): AnyPgColumn => projectElements.id, { onDelete: 'cascade' }),
    type: varchar('type', { length: 30 }).notNull(),
    title: varchar('title', { length: 255 }).notNull(),
    description: text('description'),
    status: varchar('status', { length: 20 }).notNull().default('new'),
    position: integer('position'),
    definitionOfDone: text('definition_of_done'),
    githubIssueNumber: integer('github_issue_number'),
    githubIssueUrl: text('github_issue_url'),
    ...auditColumns(),
  },
  (t) => [
    index('project_elements_project_idx').on(t.projectId),
    index('project_elements_parent_idx').on(t.parentId),
    check('project_elements_type_check', oneOf(t.type, ELEMENT_TYPES)),
    check('project_elements_status_check', oneOf(t.status, ELEMENT_STATUSES)),
    check('project_elements_not_own_parent_check', sql`${t.parentId} is null or ${t.parentId} <> ${t.id}`),
  ],
);

export const elementDependencies = pgTable(
  'element_dependencies',
  {
    id: id(),
    elementId: uuid('element_id')
      .notNull()
      .references(() => projectElements.id, { onDelete: 'cascade' }),
    dependsOnElementId: uuid('depends_on_element_id')
      .notNull()
      .references(() => projectElements.id, { onDelete: 'cascade' }),
    dependencyType: varchar('dependency_type', { length: 20 }).notNull(),
    createdBy: userRef('created_by'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('element_dependencies_pair_key').on(t.elementId, t.dependsOnElementId),
    index('element_dependencies_depends_on_idx').on(t.dependsOnElementId),
    check('element_dependencies_type_check', oneOf(t.dependencyType, DEPENDENCY_TYPES)),
    check('element_dependencies_not_self_check', sql`${t.elementId} <> ${t.dependsOnElementId}`),
  ],
);

export const features = pgTable(
  'features',
  {
    id: id(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: 255 }).notNull(),
    description: text('description'),
    status: varchar('status', { length: 20 }).notNull().default('new'),
    progressPercentage: integer('progress_percentage').notNull().default(0),
    totalTodos: integer('total_todos').notNull().default(0),
    completedTodos: integer('completed_todos').notNull().default(0),
    assignedTo: userRef('assigned_to'),
    ...auditColumns(),
  },
  (t) => [
    index('features_project_status_idx').on(t.projectId, t.status),
    index('features_project_updated_idx').on(t.projectId, t.updatedAt),
    index('features_assigned_idx').on(t.assignedTo),
    check('features_status_check', oneOf(t.status, FEATURE_STATUSES)),
    check('features_progress_check', sql`${t.progressPercentage} between 0 and 100`),
  ],
);

export const featureElements = pgTable(
  'feature_elements',
  {
    id: id(),
    featureId: uuid('feature_id')
      .notNull()
      .references(() => features.id, { onDelete: 'cascade' }),
    elementId: uuid('element_id')
      .notNull()
      .references(() => projectElements.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('feature_elements_pair_key').on(t.featureId, t.elementId),
    index('feature_elements_element_idx').on(t.elementId),
  ],
);

export const todos = pgTable(
  'todos',
  {
    id: id(),
    elementId: uuid('element_id')
      .notNull()
      .references(() => projectElements.id, { onDelete: 'cascade' }),
    featureId: uuid('feature_id').references(() => features.id, { onDelete: 'set null' }),
    title: varchar('title', { length: 255 }).notNull(),
    description: text('description'),
    status: varchar('status', { length: 20 }).notNull().default('new'),
    position: integer('position'),
    priority: varchar('priority', { length: 10 }).default('medium'),
    blockerReason: text('blocker_reason'),
    blockedBy: uuid('blocked_by').array().notNull().default(sql`'{}'::uuid[]`),
    assignedTo: userRef('assigned_to'),
    claimedBy: userRef('claimed_by'),
    claimExpiresAt: timestamp('claim_expires_at', { withTimezone: true }),
    version: integer('version').notNull().default(1),
    githubIssueNumber: integer('github_issue_number'),
    githubPrNumber: integer('github_pr_number'),
    githubPrUrl: text('github_pr_url'),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    ...auditColumns(),
  },
  (t) => [
    index('todos_element_status_idx').on(t.elementId, t.status),
    index('todos_feature_status_idx').on(t.featureId, t.status),
    index('todos_assigned_idx').on(t.assignedTo),
    index('todos_claimed_idx').on(t.claimedBy),
    check('todos_status_check', oneOf(t.status, TODO_STATUSES)),
    check('todos_priority_check', sql`${t.priority} is null or ${oneOf(t.priority, TODO_PRIORITIES)}`),
    check('todos_version_check', sql`${t.version} >= 1`),
  ],
);

export const documents = pgTable(
  'documents',
  {
    id: id(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    elementId: uuid('element_id').references(() => projectElements.id, { onDelete: 'set null' }),
    featureId: uuid('feature_id').references(() => features.id, { onDelete: 'set null' }),
    type: varchar('type', { length: 30 }).notNull(),
    title: varchar('title', { length: 255 }).notNull(),
    content: text('content').notNull(),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    version: integer('version').notNull().default(1),
    ...auditColumns(),
  },
  (t) => [
    index('documents_project_type_idx').on(t.projectId, t.type),
    index('documents_project_updated_idx').on(t.projectId, t.updatedAt),
    index('documents_element_idx').on(t.elementId),
    index('documents_feature_idx').on(t.featureId),
    check('documents_type_check', oneOf(t.type, DOCUMENT_TYPES)),
  ],
);

/** Work sessions: one agent's or person's stretch of work on a project. */
export const sessions = pgTable(
  'sessions',
  {
    id: id(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: userRef('user_id'),
    title: varchar('title', { length: 255 }),
    goal: text('goal'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    summary: text('summary'),
    notes: text('notes'),
    featureIds: uuid('feature_ids').array().notNull().default(sql`'{}'::uuid[]`),
    todosCompleted: uuid('todos_completed').array().notNull().default(sql`'{}'::uuid[]`),
    featuresCompleted: uuid('features_completed').array().notNull().default(sql`'{}'::uuid[]`),
    elementsUpdated: uuid('elements_updated').array().notNull().default(sql`'{}'::uuid[]`),
    ...auditColumns(),
  },
  (t) => [
    index('sessions_project_started_idx').on(t.projectId, t.startedAt),
    index('sessions_project_user_idx').on(t.projectId, t.userId),
    index('sessions_open_idx').on(t.projectId).where(sql`${t.endedAt} is null`),
  ],
);

export const ideas = pgTable(
  'ideas',
  {
    id: id(),
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    title: varchar('title', { length: 255 }).notNull(),
    description: text('description'),
    status: varchar('status', { length: 20 }).notNull().default('draft'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    convertedToProjectId: uuid('converted_to_project_id').references(() => projects.id, { onDelete: 'set null' }),
    ...auditColumns(),
  },
  (t) => [
    index('ideas_team_status_idx').on(t.teamId, t.status),
    index('ideas_team_created_idx').on(t.teamId, t.createdAt),
    check('ideas_status_check', oneOf(t.status, IDEA_STATUSES)),
  ],
);

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
