import { type SQL, sql } from 'drizzle-orm';
import { type AnyPgColumn, bigint, check, customType, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { PROJECT_STATUSES, ELEMENT_TYPES, ELEMENT_STATUSES, DEPENDENCY_TYPES, FEATURE_STATUSES, TODO_STATUSES, TODO_PRIORITIES, DOCUMENT_TYPES, IDEA_STATUSES, oneOf } from './enums.js';
import { id, createdAt, userRef, auditColumns, teams } from './identity.js';

/** A team's work: projects, the element tree, features, todos, documents, sessions, ideas. */

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * A stored full-text vector over weighted fields. The `simple` configuration (no
 * stemming) because teams write in English and Hungarian alike.
 */
function searchVector(weighted: [AnyPgColumn, 'A' | 'B' | 'C'][]) {
  const parts = weighted.map(([field, weight]) => sql`setweight(to_tsvector('simple', coalesce(${field}, '')), '${sql.raw(weight)}')`);
  return sql.join(parts, sql` || `);
}

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
    /** Last `seq` handed to a domain event of this project; bumped in the mutation's transaction. */
    eventSeq: bigint('event_seq', { mode: 'number' }).notNull().default(0),
    ...auditColumns(),
  },
  (t) => [
    index('projects_team_status_idx').on(t.teamId, t.status),
    index('projects_team_created_idx').on(t.teamId, t.createdAt),
    // Webhooks find the project of a repository by GitHub's numeric id.
    index('projects_github_repo_idx').on(t.githubRepoId),
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
    /** The GitHub milestone this feature was imported from: imports find it again by this number. */
    githubMilestoneNumber: integer('github_milestone_number'),
    searchVector: tsvector('search_vector').generatedAlwaysAs(
      (): SQL => searchVector([[features.name, 'A'], [features.description, 'B']]),
    ),
    ...auditColumns(),
  },
  (t) => [
    index('features_search_idx').using('gin', t.searchVector),
    index('features_project_status_idx').on(t.projectId, t.status),
    index('features_project_updated_idx').on(t.projectId, t.updatedAt),
    index('features_assigned_idx').on(t.assignedTo),
    index('features_project_milestone_idx').on(t.projectId, t.githubMilestoneNumber),
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
    /** Denormalised from the element (which never changes project) for scoping and lists. */
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
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
    searchVector: tsvector('search_vector').generatedAlwaysAs(
      (): SQL => searchVector([[todos.title, 'A'], [todos.description, 'B'], [todos.blockerReason, 'C']]),
    ),
    ...auditColumns(),
  },
  (t) => [
    index('todos_project_status_idx').on(t.projectId, t.status),
    index('todos_search_idx').using('gin', t.searchVector),
    index('todos_element_status_idx').on(t.elementId, t.status),
    index('todos_feature_status_idx').on(t.featureId, t.status),
    index('todos_assigned_idx').on(t.assignedTo),
    index('todos_claimed_idx').on(t.claimedBy),
    index('todos_project_issue_idx').on(t.projectId, t.githubIssueNumber),
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
    searchVector: tsvector('search_vector').generatedAlwaysAs(
      (): SQL => searchVector([[documents.title, 'A'], [documents.content, 'B']]),
    ),
    ...auditColumns(),
  },
  (t) => [
    index('documents_search_idx').using('gin', t.searchVector),
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
