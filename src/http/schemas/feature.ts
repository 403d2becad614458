import { type Static, Type } from '@sinclair/typebox';
import { FEATURE_STATUSES } from '../../domain/enums.js';
import { FEATURE_SORTS } from '../../domain/features/rules.js';
import type { DeletePreview, FeatureRow } from '../../domain/features/service.js';
import { Nullable, PaginationQuery, StringEnum, Timestamp, Uuid } from './common.js';
import { Element } from './element.js';
import { Todo, TodoStatus } from './todo.js';
import { presentFeature as sharedPresenter } from '../../domain/features/presenter.js';

export const FeatureStatus = StringEnum(FEATURE_STATUSES);
const Name = Type.String({ minLength: 1, maxLength: 255 });
const LongText = Type.String({ maxLength: 100_000 });

export const Feature = Type.Object({
  id: Uuid,
  project_id: Uuid,
  name: Type.String(),
  description: Nullable(Type.String()),
  status: FeatureStatus,
  assigned_to: Nullable(Uuid),
  progress_percentage: Type.Integer(),
  total_todos: Type.Integer(),
  completed_todos: Type.Integer(),
  created_by: Nullable(Uuid),
  updated_by: Nullable(Uuid),
  created_at: Timestamp,
  updated_at: Timestamp,
});

/** The element shape of `/elements`, as a feature's linked elements are listed. */
export const CreateFeatureBody = Type.Object({
  project_id: Uuid,
  name: Name,
  description: Type.Optional(Nullable(LongText)),
  status: Type.Optional(FeatureStatus),
  assigned_to: Type.Optional(Nullable(Uuid)),
  element_ids: Type.Optional(Type.Array(Uuid, { maxItems: 200 })),
});

export const UpdateFeatureBody = Type.Object({
  name: Type.Optional(Name),
  description: Type.Optional(Nullable(LongText)),
  status: Type.Optional(FeatureStatus),
  assigned_to: Type.Optional(Nullable(Uuid)),
});

export const FeatureListQuery = Type.Object({
  ...PaginationQuery.properties,
  status: Type.Optional(FeatureStatus),
  sort: Type.Optional(Type.String({ maxLength: 40, description: `One of ${FEATURE_SORTS.join(', ')}; anything else sorts by updated_at_desc` })),
});

export const FeatureTodosQuery = Type.Object({ ...PaginationQuery.properties, status: Type.Optional(TodoStatus) });

export const FeatureElementParams = Type.Object({ id: Uuid, element_id: Uuid });
export const ProjectIdParams = Type.Object({ project_id: Uuid });

export const FeatureTodosPage = Type.Object({
  todos: Type.Array(Todo),
  total: Type.Integer(),
  page: Type.Integer(),
  page_size: Type.Integer(),
  count: Type.Integer({ description: 'Todos on this page' }),
});

export const FeatureElementsPage = Type.Object({
  elements: Type.Array(Element),
  total: Type.Integer(),
  page: Type.Integer(),
  page_size: Type.Integer(),
  count: Type.Integer({ description: 'Elements on this page' }),
});

export const FeatureProgress = Type.Object({ total: Type.Integer(), completed: Type.Integer(), percentage: Type.Integer() });

export const FeatureDeletePreview = Type.Object({
  feature_id: Uuid,
  todos_unlinked: Type.Array(Type.Object({ id: Uuid, title: Type.String() })),
  element_links_removed: Type.Integer(),
  documents_unlinked: Type.Integer(),
  branches_unlinked: Type.Integer(),
});

export function presentDeletePreview(preview: DeletePreview): Static<typeof FeatureDeletePreview> {
  return {
    feature_id: preview.featureId,
    todos_unlinked: preview.todosUnlinked,
    element_links_removed: preview.elementLinksRemoved,
    documents_unlinked: preview.documentsUnlinked,
    branches_unlinked: preview.branchesUnlinked,
  };
}

export const PaginationOnly = PaginationQuery;

/** The one presenter REST and MCP share (domain/features/presenter.ts), checked here against the response schema. */
export const presentFeature: (row: FeatureRow) => Static<typeof Feature> = sharedPresenter;
