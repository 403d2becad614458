import { type Static, Type } from '@sinclair/typebox';
import type { ActiveUser, SessionRow } from '../../domain/sessions/service.js';
import { presentSession as sharedPresenter } from '../../domain/sessions/presenter.js';
import { Nullable, OptionalBody, PaginationQuery, Timestamp, Uuid } from './common.js';

const Title = Type.String({ maxLength: 255 });
const LongText = Type.String({ maxLength: 100_000 });
const IdList = (description: string) => Type.Array(Uuid, { maxItems: 1000, description });

export const Session = Type.Object(
  {
    id: Uuid,
    project_id: Uuid,
    user_id: Nullable(Uuid),
    title: Nullable(Type.String()),
    goal: Nullable(Type.String()),
    feature_ids: Type.Array(Uuid),
    started_at: Timestamp,
    ended_at: Nullable(Timestamp),
    summary: Nullable(Type.String()),
    todos_completed: Type.Array(Uuid),
    features_completed: Type.Array(Uuid),
    elements_updated: Type.Array(Uuid),
    notes: Nullable(Type.String()),
    created_by: Nullable(Uuid),
    updated_by: Nullable(Uuid),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
);

const todosCompleted = IdList('Todos completed in the session; each must be `done`. Replaces the stored list.');
const featuresCompleted = IdList('Features completed; each must be `done`, `tested` or `merged`. Replaces the stored list.');
const elementsUpdated = IdList('Elements worked on. Replaces the stored list.');

export const StartSessionBody = Type.Object({
  project_id: Uuid,
  title: Type.Optional(Nullable(Title)),
  goal: Type.Optional(Nullable(LongText)),
  feature_ids: Type.Optional(IdList('Features the session works on; each must be in the project.')),
});

export const UpdateSessionBody = Type.Object({
  title: Type.Optional(Nullable(Title)),
  goal: Type.Optional(Nullable(LongText)),
  notes: Type.Optional(Nullable(LongText)),
  todos_completed: Type.Optional(todosCompleted),
  features_completed: Type.Optional(featuresCompleted),
  elements_updated: Type.Optional(elementsUpdated),
});

export const EndSessionBody = OptionalBody(
  Type.Object({
    summary: Type.Optional(Nullable(LongText)),
    notes: Type.Optional(Nullable(LongText)),
    todos_completed: Type.Optional(todosCompleted),
    features_completed: Type.Optional(featuresCompleted),
    elements_updated: Type.Optional(elementsUpdated),
  }),
);

export const SessionListQuery = Type.Object({
  ...PaginationQuery.properties,
  user_id: Type.Optional(Uuid),
});

export const ProjectParams = Type.Object({ pid: Uuid });

export const ActiveUsers = Type.Object({
  active_users: Type.Array(
    Type.Object({ id: Uuid, name: Nullable(Type.String()), email: Type.String(), avatar_url: Nullable(Type.String()) }),
  ),
  count: Type.Integer(),
});

/** The one presenter REST and MCP share (domain/sessions/presenter.ts), checked here against the response schema. */
export const presentSession: (session: SessionRow) => Static<typeof Session> = sharedPresenter;

export function presentActiveUsers(users: ActiveUser[]): Static<typeof ActiveUsers> {
  return {
    active_users: users.map((user) => ({ id: user.id, name: user.name, email: user.email, avatar_url: user.avatarUrl })),
    count: users.length,
  };
}

// The resume context (GET /projects/{id}/resume-context) is mostly made of sessions'
// results, so its schema lives here with them.
const ResumeTodo = {
  id: Uuid,
  title: Type.String(),
  status: Type.String(),
  version: Type.Integer(),
};
const ResumeElement = Type.Object({ id: Uuid, title: Type.String(), type: Type.String(), status: Type.String() });

export const ResumeContext = Type.Object({
  project: Type.Object({ id: Uuid, name: Type.String(), status: Type.String() }),
  last: Nullable(
    Type.Object({
      session_id: Uuid,
      session_summary: Nullable(Type.String()),
      completed_todos: Type.Array(Type.Object(ResumeTodo)),
      updated_elements: Type.Array(ResumeElement),
      timestamp: Nullable(Timestamp),
    }),
  ),
  now: Type.Object({
    next_todos: Type.Array(
      Type.Object({
        ...ResumeTodo,
        description: Nullable(Type.String()),
        priority: Nullable(Type.String()),
        element_id: Uuid,
        feature_id: Nullable(Uuid),
        assigned_to: Nullable(Uuid),
        blocked: Type.Boolean(),
      }),
    ),
    active_elements: Type.Array(ResumeElement),
    immediate_goals: Type.Array(
      Type.Object({ feature_id: Uuid, name: Type.String(), status: Type.String(), progress_percentage: Type.Integer() }),
    ),
  }),
  next_blockers: Type.Array(
    Type.Object({ ...ResumeTodo, blocker_reason: Nullable(Type.String()), waiting_for: Type.Array(Type.Object(ResumeTodo)) }),
  ),
  constraints: Type.Array(Type.Object({ id: Uuid, title: Type.String(), type: Type.String() })),
  cursor_instructions: Type.String(),
});
