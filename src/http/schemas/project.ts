import { type Static, Type } from '@sinclair/typebox';
import type { ProjectRow } from '../../domain/access.js';
import { PROJECT_STATUSES } from '../../domain/enums.js';
import type { ProjectChanges, ProjectInput } from '../../domain/projects/service.js';
import { Nullable, PaginationQuery, StringEnum, Timestamp, Uuid } from './common.js';
import { presentProject as sharedPresenter } from '../../domain/projects/presenter.js';

export const ProjectStatus = StringEnum(PROJECT_STATUSES);
const Name = Type.String({ minLength: 1, maxLength: 255 });
const LongText = Type.String({ maxLength: 100_000 });
const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 });
const JsonObject = Type.Object({}, { additionalProperties: true });

export const Project = Type.Object(
  {
    id: Uuid,
    team_id: Uuid,
    name: Type.String(),
    description: Nullable(Type.String()),
    status: Type.String(),
    tags: Type.Array(Type.String()),
    technology_tags: Type.Array(Type.String()),
    cursor_instructions: Nullable(Type.String()),
    github_repo_url: Nullable(Type.String()),
    github_repo_id: Nullable(Type.String()),
    last_session_at: Nullable(Timestamp),
    resume_context: Nullable(JsonObject),
    created_by: Nullable(Uuid),
    updated_by: Nullable(Uuid),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Project' },
);

export const CreateProjectBody = Type.Object({
  team_id: Uuid,
  name: Name,
  description: Type.Optional(Nullable(LongText)),
  status: Type.Optional(ProjectStatus),
  tags: Type.Optional(Tags),
  technology_tags: Type.Optional(Tags),
  cursor_instructions: Type.Optional(Nullable(LongText)),
  github_repo_url: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  resume_context: Type.Optional(Nullable(JsonObject)),
});

export const UpdateProjectBody = Type.Object({
  team_id: Type.Optional(Uuid),
  name: Type.Optional(Name),
  description: Type.Optional(Nullable(LongText)),
  status: Type.Optional(ProjectStatus),
  tags: Type.Optional(Tags),
  technology_tags: Type.Optional(Tags),
  cursor_instructions: Type.Optional(Nullable(LongText)),
  github_repo_url: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  resume_context: Type.Optional(JsonObject),
});

type CreateProjectWire = Static<typeof CreateProjectBody>;
type UpdateProjectWire = Static<typeof UpdateProjectBody>;

/** A project body's fields in the domain's terms, for create and update alike; an absent field stays absent. */
export function projectFieldsOf(body: CreateProjectWire): ProjectInput;
export function projectFieldsOf(body: UpdateProjectWire): ProjectChanges;
export function projectFieldsOf(body: CreateProjectWire | UpdateProjectWire): ProjectInput | ProjectChanges {
  const fields = {
    teamId: body.team_id,
    name: body.name,
    description: body.description,
    status: body.status,
    tags: body.tags,
    technologyTags: body.technology_tags,
    cursorInstructions: body.cursor_instructions,
    githubRepoUrl: body.github_repo_url,
    resumeContext: body.resume_context,
  };
  // The overloads tie each body to its own domain type; the schemas make the fields fit it.
  return fields as ProjectInput | ProjectChanges;
}

export const ProjectListQuery = Type.Object({
  ...PaginationQuery.properties,
  status: Type.Optional(ProjectStatus),
  team_id: Type.Optional(Uuid),
});

/** The one presenter REST and MCP share (domain/projects/presenter.ts), checked here against the response schema. */
export const presentProject: (row: ProjectRow) => Static<typeof Project> = sharedPresenter;
