import { z } from 'zod';
import { oneOf } from './one-of.js';
import { ELEMENT_STATUSES, ELEMENT_TYPES } from '../../domain/enums.js';
import type { TreeNode } from '../../domain/elements/rules.js';
import {
  type ElementRow,
  createElement,
  deleteElement,
  getElement,
  previewElementDelete,
  updateElement,
} from '../../domain/elements/service.js';
import { presentElement as sharedElement } from '../../domain/elements/presenter.js';
import { type TreeElement, getElementTree } from '../../domain/elements/tree.js';
import { listTodos } from '../../domain/todos/queries.js';
import { forAgent } from './present.js';
import { idArg, projectIdFor, uuidArg } from './project-scope.js';
import { type ToolDefinition, defineTool } from './types.js';

/**
 * The project's element tree: modules, components, milestones… that todos hang on.
 * The reference server had no element tools; `mcp_get_project_structure` (documented
 * there, but never registered) is the whole tree, nested.
 */

const ELEMENT_TODOS_LIMIT = 200;

interface StructureNode {
  id: string;
  type: string;
  title: string;
  status: string;
  todos: { total: number; done: number };
  features?: string[];
  description?: string;
  children?: StructureNode[];
  /** Set instead of `children` where maxDepth cut the tree. */
  children_count?: number;
}

/** Compact: empty lists and descriptions are left out unless asked for. */
function presentNode(node: TreeNode<TreeElement>, depthLeft: number, withDescriptions: boolean): StructureNode {
  const { item } = node;
  const out: StructureNode = {
    id: item.id,
    type: item.type,
    title: item.title,
    status: item.status,
    todos: { total: item.todosCount, done: item.todosDoneCount },
  };
  if (item.linkedFeatures.length > 0) out.features = item.linkedFeatures;
  if (withDescriptions && item.description) out.description = item.description;
  if (node.children.length > 0) {
    if (depthLeft > 1) out.children = node.children.map((child) => presentNode(child, depthLeft - 1, withDescriptions));
    else out.children_count = countNodes(node.children);
  }
  return out;
}

function countNodes(nodes: TreeNode<TreeElement>[]): number {
  return nodes.reduce((sum, node) => sum + 1 + countNodes(node.children), 0);
}

const presentElement = (element: ElementRow) => forAgent(sharedElement(element));

const elementFields = {
  title: z.string().min(1).max(255),
  description: z.string().max(20000).nullable().optional(),
  status: oneOf(ELEMENT_STATUSES).optional().describe('Usually left alone: it rolls up from the element’s todos and children'),
  position: z.number().int().min(0).max(1_000_000).nullable().optional(),
  definitionOfDone: z.string().max(5000).nullable().optional(),
};

export const elementTools: ToolDefinition[] = [
  defineTool({
    name: 'mcp_get_project_structure',
    description:
      'The project’s whole element tree (modules, components, milestones…), nested, each with its status, todo counts {total,done} and linked feature names. Use it to find the elementId a new todo belongs to. maxDepth cuts deep trees.',
    profile: 'standard',
    inputSchema: {
      projectId: idArg('Project id; optional when the connection is bound to a project').optional(),
      maxDepth: z.number().int().min(1).max(50).default(50).describe('Levels to return (1 = roots only)'),
      includeDescriptions: z.boolean().default(false),
    },
    annotations: { readOnlyHint: true },
    async handler(ctx, args) {
      const tree = await getElementTree(ctx, projectIdFor(ctx, args.projectId));
      return {
        project_id: tree.projectId,
        element_count: countNodes(tree.elements),
        elements: tree.elements.map((node) => presentNode(node, args.maxDepth, args.includeDescriptions)),
      };
    },
  }),
  defineTool({
    name: 'mcp_get_element',
    description: 'One element with its todos (each with status and version, ready for mcp_update_todo_status) and its dependencies on other elements.',
    profile: 'standard',
    inputSchema: { elementId: idArg('Element id') },
    annotations: { readOnlyHint: true },
    async handler(ctx, args) {
      const [detail, todos] = await Promise.all([
        getElement(ctx, args.elementId),
        listTodos(ctx, { elementId: args.elementId }, { page: 1, pageSize: ELEMENT_TODOS_LIMIT, offset: 0 }),
      ]);
      return {
        ...presentElement(detail.element),
        todos: todos.items.map((todo) => ({
          id: todo.id,
          title: todo.title,
          status: todo.status,
          version: todo.version,
          priority: todo.priority,
          feature_id: todo.featureId,
          assigned_to: todo.assignedTo,
        })),
        todos_total: todos.total,
        dependencies: detail.dependencies.map((dependency) => ({
          id: dependency.id,
          depends_on_element_id: dependency.dependsOnElementId,
          type: dependency.dependencyType,
        })),
      };
    },
  }),
  defineTool({
    name: 'mcp_create_element',
    description:
      'Add an element to the project’s tree (a module, component, milestone, task…), at the root or under parentId. Create one when new work does not fit an existing element. Returns the element.',
    profile: 'standard',
    inputSchema: {
      projectId: idArg('Project id; optional when the connection is bound to a project').optional(),
      parentId: idArg('Parent element; omit for a root element').optional(),
      type: oneOf(ELEMENT_TYPES),
      ...elementFields,
    },
    annotations: { readOnlyHint: false, destructiveHint: false },
    async handler(ctx, args) {
      const element = await createElement(ctx, {
        projectId: projectIdFor(ctx, args.projectId),
        parentId: args.parentId ?? null,
        type: args.type,
        title: args.title,
        description: args.description,
        status: args.status,
        position: args.position,
        definitionOfDone: args.definitionOfDone,
      });
      return presentElement(element);
    },
  }),
  defineTool({
    name: 'mcp_update_element',
    description:
      'Change an element: title, description, type, status, position, definition of done, or move it under another parent (parentId) or to the root (parentId null). Fields left out stay. Returns the element.',
    profile: 'standard',
    inputSchema: {
      elementId: idArg('Element id'),
      parentId: uuidArg().nullable().optional().describe('New parent; null moves it to the root'),
      type: oneOf(ELEMENT_TYPES).optional(),
      ...elementFields,
      title: elementFields.title.optional(),
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    async handler(ctx, args) {
      const element = await updateElement(ctx, args.elementId, {
        parentId: args.parentId,
        type: args.type,
        title: args.title,
        description: args.description,
        status: args.status,
        position: args.position,
        definitionOfDone: args.definitionOfDone,
      });
      return presentElement(element);
    },
  }),
  defineTool({
    name: 'mcp_delete_element',
    description:
      'Delete an element with everything below it: its child elements and ALL their todos. Without confirm=true it only reports what would be deleted; ask the user before confirming.',
    profile: 'all',
    inputSchema: {
      elementId: idArg('Element id'),
      confirm: z.boolean().default(false).describe('true deletes; false (default) only previews'),
    },
    annotations: { readOnlyHint: false, destructiveHint: true },
    async handler(ctx, args) {
      const outcome = args.confirm ? await deleteElement(ctx, args.elementId) : await previewElementDelete(ctx, args.elementId);
      return {
        deleted: args.confirm,
        element_id: outcome.elementId,
        elements: outcome.elementsDeleted,
        todos: outcome.todosDeleted,
        documents_unlinked: outcome.documentsUnlinked,
        feature_links_removed: outcome.featureLinksRemoved,
        dependencies_removed: outcome.dependenciesRemoved,
      };
    },
  }),
];
