import { type Static, Type } from '@sinclair/typebox';
import { TODO_PRIORITIES, TODO_STATUSES } from '../../domain/enums.js';
import type { TodoRow } from '../../domain/todos/queries.js';
import type { TodoChanges } from '../../domain/todos/service.js';
import { Nullable, PaginationQuery, StringEnum, Timestamp, Uuid } from './common.js';
import { presentTodo as sharedPresenter } from '../../domain/todos/presenter.js';

export const TodoStatus = StringEnum(TODO_STATUSES);
export const TodoPriority = StringEnum(TODO_PRIORITIES);
const Title = Type.String({ minLength: 1, maxLength: 255 });
const LongText = Type.String({ maxLength: 100_000 });
const Position = Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000 });
const IssueNumber = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const BlockedBy = Type.Array(Uuid, { maxItems: 100, description: 'Ids of todos of the same project this todo waits for' });
const ExpectedVersion = Type.Integer({ minimum: 1, description: 'The version the client last saw; a different current version answers 409' });

export const Todo = Type.Object({
  id: Uuid,
  project_id: Uuid,
  element_id: Uuid,
  feature_id: Nullable(Uuid),
  title: Type.String(),
  description: Nullable(Type.String()),
  status: TodoStatus,
  position: Nullable(Type.Integer()),
  priority: Nullable(Type.String()),
  blocker_reason: Nullable(Type.String()),
  blocked_by: Type.Array(Uuid),
  assigned_to: Nullable(Uuid),
  claimed_by: Nullable(Uuid),
  claim_expires_at: Nullable(Timestamp),
  version: Type.Integer(),
  github_issue_number: Nullable(Type.Integer()),
  github_pr_number: Nullable(Type.Integer()),
  github_pr_url: Nullable(Type.String()),
  completed_at: Nullable(Timestamp),
  created_by: Nullable(Uuid),
  updated_by: Nullable(Uuid),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const TodoFields = {
  description: Type.Optional(Nullable(LongText)),
  position: Type.Optional(Nullable(Position)),
  priority: Type.Optional(Nullable(TodoPriority)),
  blocker_reason: Type.Optional(Nullable(LongText)),
  blocked_by: Type.Optional(BlockedBy),
  assigned_to: Type.Optional(Nullable(Uuid)),
  github_issue_number: Type.Optional(Nullable(IssueNumber)),
  github_pr_number: Type.Optional(Nullable(IssueNumber)),
  github_pr_url: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
};

export const CreateTodoBody = Type.Object({
  title: Title,
  element_id: Type.Optional(Uuid),
  project_id: Type.Optional(Uuid),
  feature_id: Type.Optional(Nullable(Uuid)),
  status: Type.Optional(TodoStatus),
  ...TodoFields,
});

export const UpdateTodoBody = Type.Object({
  title: Type.Optional(Title),
  element_id: Type.Optional(Uuid),
  feature_id: Type.Optional(Nullable(Uuid)),
  status: Type.Optional(TodoStatus),
  ...TodoFields,
  expected_version: Type.Optional(ExpectedVersion),
});

/** The todo fields of a create or update body, in the domain's terms; an absent field stays absent. */
export function todoChangesOf(body: Omit<Static<typeof UpdateTodoBody>, 'expected_version'>): TodoChanges {
  return {
    title: body.title,
    elementId: body.element_id,
    featureId: body.feature_id,
    status: body.status,
    description: body.description,
    position: body.position,
    priority: body.priority,
    blockerReason: body.blocker_reason,
    blockedBy: body.blocked_by,
    assignedTo: body.assigned_to,
    githubIssueNumber: body.github_issue_number,
    githubPrNumber: body.github_pr_number,
    githubPrUrl: body.github_pr_url,
  };
}

export const ExpectedVersionQuery = Type.Object({ expected_version: Type.Optional(ExpectedVersion) });

/** `status` is a plain string here so that `tested` gets the workflow's 400, not a 422. */
export const TodoStatusInput = {
  status: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'new, in_progress or done' })),
  expected_version: Type.Optional(ExpectedVersion),
};

export const AssignInput = {
  user_id: Type.Optional(Nullable(Uuid)),
  expected_version: Type.Optional(ExpectedVersion),
};

export const TodoListQuery = Type.Object({
  ...PaginationQuery.properties,
  project_id: Type.Optional(Uuid),
  feature_id: Type.Optional(Uuid),
  element_id: Type.Optional(Uuid),
  assigned_to: Type.Optional(Uuid),
  status: Type.Optional(TodoStatus),
});

/** The one presenter REST and MCP share (domain/todos/presenter.ts), checked here against the response schema. */
export const presentTodo: (row: TodoRow) => Static<typeof Todo> = sharedPresenter;
