import { type Static, Type } from '@sinclair/typebox';
import { IDEA_STATUSES } from '../../domain/enums.js';
import type { IdeaRow } from '../../domain/ideas/service.js';
import { presentIdea as sharedPresenter } from '../../domain/ideas/presenter.js';
import { Nullable, OptionalBody, PaginationQuery, StringEnum, Timestamp, Uuid } from './common.js';
import { ProjectStatus } from './project.js';

export const IdeaStatus = StringEnum(IDEA_STATUSES);
const Title = Type.String({ minLength: 1, maxLength: 255 });
const LongText = Type.String({ maxLength: 100_000 });
const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 });

export const Idea = Type.Object(
  {
    id: Uuid,
    team_id: Uuid,
    title: Type.String(),
    description: Nullable(Type.String()),
    status: Type.String(),
    tags: Type.Array(Type.String()),
    converted_to_project_id: Nullable(Uuid),
    created_by: Nullable(Uuid),
    updated_by: Nullable(Uuid),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
);

export const CreateIdeaBody = Type.Object({
  team_id: Uuid,
  title: Title,
  description: Type.Optional(Nullable(LongText)),
  status: Type.Optional(IdeaStatus),
  tags: Type.Optional(Tags),
});

export const UpdateIdeaBody = Type.Object({
  title: Type.Optional(Title),
  description: Type.Optional(Nullable(LongText)),
  status: Type.Optional(IdeaStatus),
  tags: Type.Optional(Tags),
});

export const ConvertIdeaBody = OptionalBody(
  Type.Object({
    project_name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    project_description: Type.Optional(Nullable(LongText)),
    project_status: Type.Optional(ProjectStatus),
    project_tags: Type.Optional(Tags),
    technology_tags: Type.Optional(Tags),
  }),
);

export const IdeaListQuery = Type.Object({
  ...PaginationQuery.properties,
  status: Type.Optional(IdeaStatus),
  team_id: Type.Optional(Uuid),
});

/** The one presenter REST and MCP share (domain/ideas/presenter.ts), checked here against the response schema. */
export const presentIdea: (idea: IdeaRow) => Static<typeof Idea> = sharedPresenter;
