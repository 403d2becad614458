import { sql } from 'drizzle-orm';
import { type AnyPgColumn, boolean, check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { USER_ROLES, TEAM_ROLES, TEAM_LANGUAGES, INVITATION_TYPES, oneOf } from './enums.js';

/** Column helpers shared by every table, and the tables of people, teams and sign-in. */

export const id = () => uuid('id').primaryKey().defaultRandom();
export const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
export const updatedAt = () =>
  timestamp('updated_at', { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());
export const userRef = (name: string) => uuid(name).references((): AnyPgColumn => users.id, { onDelete: 'set null' });
export const auditColumns = () => ({
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
