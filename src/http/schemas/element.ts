import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { DEPENDENCY_TYPES, ELEMENT_STATUSES, ELEMENT_TYPES } from '../../domain/enums.js';
import type { DependencyRow } from '../../domain/elements/dependencies.js';
import type { TreeNode } from '../../domain/elements/rules.js';
import type { ElementDeletePreview, ElementDetail, ElementRow } from '../../domain/elements/service.js';
import type { ElementTree, TreeElement } from '../../domain/elements/tree.js';
import { presentElementCore, presentElement as sharedPresenter } from '../../domain/elements/presenter.js';
import { Nullable, StringEnum, Timestamp, Uuid } from './common.js';

export const ElementType = StringEnum(ELEMENT_TYPES);
export const ElementStatus = StringEnum(ELEMENT_STATUSES);
export const DependencyType = StringEnum(DEPENDENCY_TYPES);
const Title = Type.String({ minLength: 1, maxLength: 255 });
const LongText = Type.String({ maxLength: 100_000 });
// The column is a 32-bit integer: out-of-range input is a 422, not a database error.
const Position = Type.Integer({ minimum: -2_147_483_648, maximum: 2_147_483_647 });
/**
 * A nullable input field as OpenAPI's `nullable`. Ajv's type coercion would turn a
 * sent 0 or "" into null under common.ts's null-first union (position 0 became unset).
 */
const NullableInput = <T extends TSchema>(schema: T) => Type.Unsafe<Static<T> | null>({ ...schema, nullable: true });

/** Fields every element answer shares (the tree's nodes leave out the rest). */
const elementCore = {
  id: Uuid,
  project_id: Uuid,
  parent_id: Nullable(Uuid),
  type: Type.String(),
  title: Type.String(),
  description: Nullable(Type.String()),
  status: Type.String(),
  position: Nullable(Type.Integer()),
  created_at: Timestamp,
  updated_at: Timestamp,
};

const elementFields = {
  ...elementCore,
  definition_of_done: Nullable(Type.String()),
  github_issue_number: Nullable(Type.Integer()),
  github_issue_url: Nullable(Type.String()),
  created_by: Nullable(Uuid),
  updated_by: Nullable(Uuid),
};

export const Element = Type.Object(elementFields);

export const ElementDetailResponse = Type.Object({
  ...elementFields,
  todos: Type.Array(Type.Object({ id: Uuid, title: Type.String(), status: Type.String(), feature_id: Nullable(Uuid) })),
  dependencies: Type.Array(Type.Object({ id: Uuid, depends_on_element_id: Uuid, dependency_type: Type.String() })),
});

export const ElementNode = Type.Recursive(
  (Node) =>
    Type.Object({
      ...elementCore,
      todos_count: Type.Integer(),
      todos_done_count: Type.Integer(),
      features_count: Type.Integer(),
      linked_features: Type.Array(Type.String()),
      children: Type.Array(Node),
    }),
  { $id: 'ElementNode' },
);

export const ElementTreeResponse = Type.Object({ project_id: Uuid, elements: Type.Array(ElementNode) });

export const DeletePreviewResponse = Type.Object({
  element_id: Uuid,
  elements_deleted: Type.Array(Type.Object({ id: Uuid, title: Type.String() })),
  todos_deleted: Type.Integer(),
  documents_unlinked: Type.Integer(),
  feature_links_removed: Type.Integer(),
  dependencies_removed: Type.Integer(),
});

export const Dependency = Type.Object({
  id: Uuid,
  element_id: Uuid,
  depends_on_element_id: Uuid,
  dependency_type: Type.String(),
  created_at: Timestamp,
});

export const DependencyList = Type.Object({ dependencies: Type.Array(Dependency) });

export const CreateElementBody = Type.Object({
  project_id: Uuid,
  parent_id: Type.Optional(NullableInput(Uuid)),
  type: ElementType,
  title: Title,
  description: Type.Optional(NullableInput(LongText)),
  status: Type.Optional(ElementStatus),
  position: Type.Optional(NullableInput(Position)),
  definition_of_done: Type.Optional(NullableInput(LongText)),
});

export const UpdateElementBody = Type.Object({
  parent_id: Type.Optional(NullableInput(Uuid)),
  type: Type.Optional(ElementType),
  title: Type.Optional(Title),
  description: Type.Optional(NullableInput(LongText)),
  status: Type.Optional(ElementStatus),
  position: Type.Optional(NullableInput(Position)),
  definition_of_done: Type.Optional(NullableInput(LongText)),
});

export const CreateDependencyBody = Type.Object({
  depends_on_element_id: Uuid,
  dependency_type: DependencyType,
});

export const ProjectIdParams = Type.Object({ pid: Uuid });
export const DependencyParams = Type.Object({ id: Uuid, dep_id: Uuid });

/** The one presenter REST and MCP share (domain/elements/presenter.ts), checked here against the response schema. */
export const presentElement: (element: ElementRow) => Static<typeof Element> = sharedPresenter;

export function presentElementDetail(detail: ElementDetail): Static<typeof ElementDetailResponse> {
  return {
    ...presentElement(detail.element),
    todos: detail.todos.map((todo) => ({ id: todo.id, title: todo.title, status: todo.status, feature_id: todo.featureId })),
    dependencies: detail.dependencies.map((dependency) => ({
      id: dependency.id,
      depends_on_element_id: dependency.dependsOnElementId,
      dependency_type: dependency.dependencyType,
    })),
  };
}

type WireNode = Static<typeof ElementNode>;

function presentNode(node: TreeNode<TreeElement>): WireNode {
  return {
    ...presentElementCore(node.item),
    todos_count: node.item.todosCount,
    todos_done_count: node.item.todosDoneCount,
    features_count: node.item.linkedFeatures.length,
    linked_features: node.item.linkedFeatures,
    children: node.children.map(presentNode),
  };
}

export function presentElementTree(tree: ElementTree): Static<typeof ElementTreeResponse> {
  return { project_id: tree.projectId, elements: tree.elements.map(presentNode) };
}

export function presentDeletePreview(preview: ElementDeletePreview): Static<typeof DeletePreviewResponse> {
  return {
    element_id: preview.elementId,
    elements_deleted: preview.elementsDeleted,
    todos_deleted: preview.todosDeleted,
    documents_unlinked: preview.documentsUnlinked,
    feature_links_removed: preview.featureLinksRemoved,
    dependencies_removed: preview.dependenciesRemoved,
  };
}

export function presentDependency(dependency: DependencyRow): Static<typeof Dependency> {
  return {
    id: dependency.id,
    element_id: dependency.elementId,
    depends_on_element_id: dependency.dependsOnElementId,
    dependency_type: dependency.dependencyType,
    created_at: dependency.createdAt,
  };
}
