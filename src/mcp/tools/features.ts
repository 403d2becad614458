import { z } from 'zod';
import { oneOf } from './one-of.js';
import { FEATURE_STATUSES } from '../../domain/enums.js';
import {
  createFeature,
  deleteFeature,
  getFeature,
  linkFeatureElement,
  listFeatureElements,
  listFeatureTodos,
  listProjectFeatures,
  updateFeature,
} from '../../domain/features/service.js';
import { projectIdFor, uuidArg } from './project-scope.js';
import { compact, firstPage, presentFeature, presentTodo } from './present.js';
import { type ToolDefinition, defineTool } from './types.js';
import { AgentFeature, AgentTodo } from './output.js';

const uuid = uuidArg;
const featureId = uuid().describe('Feature UUID');
const LIST_CAP = 1000;

const createFeatureTool = defineTool({
  name: 'mcp_create_feature',
  description: 'Create a feature (status new) in a project, optionally linked to elements of that project.',
  profile: 'standard',
  inputSchema: {
    projectId: uuid().optional(),
    name: z.string().min(1).max(255),
    description: z.string().max(20_000).optional(),
    elementIds: z.array(uuid()).max(100).optional(),
  },
  outputSchema: AgentFeature,
  annotations: { readOnlyHint: false, destructiveHint: false },
  async handler(ctx, args) {
    return presentFeature(await createFeature(ctx, { ...args, projectId: projectIdFor(ctx, args.projectId) }));
  },
});

const getFeatureTool = defineTool({
  name: 'mcp_get_feature',
  description: 'A feature with its progress, its todos (with version) and linked elements.',
  profile: 'core',
  inputSchema: { featureId },
  outputSchema: AgentFeature.extend({
    todos: z.array(AgentTodo),
    elements: z.array(z.looseObject({ id: z.string(), title: z.string(), type: z.string() })),
  }),
  annotations: { readOnlyHint: true },
  async handler(ctx, args) {
    const feature = await getFeature(ctx, args.featureId);
    const [todos, elements] = await Promise.all([
      listFeatureTodos(ctx, args.featureId, {}, firstPage(LIST_CAP)),
      listFeatureElements(ctx, args.featureId, firstPage(LIST_CAP)),
    ]);
    return {
      ...presentFeature(feature),
      todos: todos.items.map(presentTodo),
      elements: elements.items.map((element) => compact({ id: element.id, title: element.title, type: element.type, status: element.status })),
    };
  },
});

const listFeaturesTool = defineTool({
  name: 'mcp_list_features',
  description: 'Features of a project, most recently changed first, with progress.',
  profile: 'standard',
  inputSchema: { projectId: uuid().optional(), status: oneOf(FEATURE_STATUSES).optional() },
  outputSchema: z.object({ project_id: z.string(), features: z.array(AgentFeature), count: z.number() }),
  annotations: { readOnlyHint: true },
  async handler(ctx, args) {
    const projectId = projectIdFor(ctx, args.projectId);
    const page = await listProjectFeatures(ctx, projectId, { status: args.status, sort: 'updated_at_desc' }, firstPage(LIST_CAP));
    return { project_id: projectId, features: page.items.map(presentFeature), count: page.items.length };
  },
});

const updateFeatureStatus = defineTool({
  name: 'mcp_update_feature_status',
  description: 'Set a feature status (new, in_progress, done, tested, merged); tested/merged need all its todos done and the feature done.',
  profile: 'core',
  inputSchema: { featureId, status: oneOf(FEATURE_STATUSES) },
  outputSchema: AgentFeature,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(ctx, args) {
    return presentFeature(await updateFeature(ctx, args.featureId, { status: args.status }));
  },
});

const linkElement = defineTool({
  name: 'mcp_link_element_to_feature',
  description: 'Link an element of the same project to a feature.',
  profile: 'standard',
  inputSchema: { featureId, elementId: uuid() },
  outputSchema: z.object({ success: z.literal(true), feature_id: z.string(), element_id: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false },
  async handler(ctx, args) {
    await linkFeatureElement(ctx, args.featureId, args.elementId);
    return { success: true, feature_id: args.featureId, element_id: args.elementId };
  },
});

const deleteFeatureTool = defineTool({
  name: 'mcp_delete_feature',
  description: 'Delete a feature for good; its todos stay, unlinked. Ask the user first.',
  profile: 'standard',
  inputSchema: { featureId },
  annotations: { readOnlyHint: false, destructiveHint: true },
  async handler(ctx, args) {
    const result = await deleteFeature(ctx, args.featureId);
    return {
      success: true,
      deleted_feature_id: args.featureId,
      todos_unlinked: result.todosUnlinked.length,
      element_links_removed: result.elementLinksRemoved,
    };
  },
});

export const featureTools: ToolDefinition[] = [
  createFeatureTool,
  getFeatureTool,
  listFeaturesTool,
  updateFeatureStatus,
  linkElement,
  deleteFeatureTool,
];
