import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { parseFeatureSort } from '../../domain/features/rules.js';
import {
  calculateFeatureProgress,
  createFeature,
  deleteFeature,
  getFeature,
  linkFeatureElement,
  listFeatureElements,
  listFeatureTodos,
  listProjectFeatures,
  previewFeatureDelete,
  updateFeature,
} from '../../domain/features/service.js';
import { pageRequest } from '../../domain/pagination.js';
import { getProject } from '../../domain/projects/service.js';
import { contextOf } from '../plugins/auth.js';
import { sendProjectView } from '../views.js';
import { IdParams, MessageResponse, errors, pageBody, paged } from '../schemas/common.js';
import {
  CreateFeatureBody,
  Feature,
  FeatureDeletePreview,
  FeatureElementParams,
  FeatureElementsPage,
  FeatureListQuery,
  FeatureProgress,
  FeatureTodosPage,
  FeatureTodosQuery,
  PaginationOnly,
  ProjectIdParams,
  UpdateFeatureBody,
  presentDeletePreview,
  presentFeature,
} from '../schemas/feature.js';
import { presentElement } from '../schemas/element.js';
import { presentTodo } from '../schemas/todo.js';

const tags = ['features'];
const security = [{ bearerAuth: [] }];

/**
 * `/features`: groups of todos moving through new → in_progress → done → tested →
 * merged. Progress and the first three statuses follow the todos; tested and merged
 * are set by hand once every todo is done.
 */
const featuresRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/features',
    {
      schema: {
        tags,
        summary: 'Create a feature',
        description: '`element_ids` are linked; they must be elements of the same project.',
        security,
        body: CreateFeatureBody,
        response: { 201: Feature, ...errors(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const feature = await createFeature(contextOf(request), {
        projectId: body.project_id,
        name: body.name,
        description: body.description,
        status: body.status,
        assignedTo: body.assigned_to,
        elementIds: body.element_ids,
      });
      return reply.status(201).send(presentFeature(feature));
    },
  );

  app.get(
    '/features/project/:project_id',
    {
      schema: {
        tags,
        summary: "List a project's features",
        security,
        params: ProjectIdParams,
        querystring: FeatureListQuery,
        response: { 200: paged('features', Feature), ...errors(401, 404, 422) },
      },
    },
    async (request, reply) => {
      const ctx = contextOf(request);
      const { status, sort, ...window } = request.query;
      const project = await getProject(ctx, request.params.project_id);
      const filters = { status, sort: parseFeatureSort(sort) };
      const pageWindow = pageRequest(window);
      const variant = `${status ?? ''}&${filters.sort}&${pageWindow.page}&${pageWindow.pageSize}`;
      return sendProjectView(request, reply, { kind: 'features', variant, project }, async () =>
        pageBody('features', await listProjectFeatures(ctx, project.id, filters, pageWindow), presentFeature),
      );
    },
  );

  app.get(
    '/features/:id',
    { schema: { tags, summary: 'Get a feature', security, params: IdParams, response: { 200: Feature, ...errors(401, 404, 422) } } },
    async (request) => presentFeature(await getFeature(contextOf(request), request.params.id)),
  );

  app.put(
    '/features/:id',
    {
      schema: {
        tags,
        summary: 'Update a feature',
        description: '`tested` needs every todo done and the feature done; `merged` the same, from done or tested. Backward moves are free.',
        security,
        params: IdParams,
        body: UpdateFeatureBody,
        response: { 200: Feature, ...errors(400, 401, 404, 409, 422) },
      },
    },
    async (request) => {
      const body = request.body;
      const feature = await updateFeature(contextOf(request), request.params.id, {
        name: body.name,
        description: body.description,
        status: body.status,
        assignedTo: body.assigned_to,
      });
      return presentFeature(feature);
    },
  );

  app.get(
    '/features/:id/delete-preview',
    {
      schema: {
        tags,
        summary: 'What deleting the feature would unlink',
        description: 'Its todos, documents and branches are kept, unlinked; its element links go.',
        security,
        params: IdParams,
        response: { 200: FeatureDeletePreview, ...errors(401, 404, 422) },
      },
    },
    async (request) => presentDeletePreview(await previewFeatureDelete(contextOf(request), request.params.id)),
  );

  app.delete(
    '/features/:id',
    {
      schema: {
        tags,
        summary: 'Delete a feature (its todos are kept, unlinked)',
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...errors(401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      await deleteFeature(contextOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/features/:id/todos',
    {
      schema: {
        tags,
        summary: "List a feature's todos",
        security,
        params: IdParams,
        querystring: FeatureTodosQuery,
        response: { 200: FeatureTodosPage, ...errors(401, 404, 422) },
      },
    },
    async (request) => {
      const { status, ...window } = request.query;
      const page = await listFeatureTodos(contextOf(request), request.params.id, { status }, pageRequest(window));
      return { ...pageBody('todos', page, presentTodo), count: page.items.length };
    },
  );

  app.get(
    '/features/:id/elements',
    {
      schema: {
        tags,
        summary: 'List the elements linked to a feature',
        security,
        params: IdParams,
        querystring: PaginationOnly,
        response: { 200: FeatureElementsPage, ...errors(401, 404, 422) },
      },
    },
    async (request) => {
      const page = await listFeatureElements(contextOf(request), request.params.id, pageRequest(request.query));
      return { ...pageBody('elements', page, presentElement), count: page.items.length };
    },
  );

  app.post(
    '/features/:id/elements/:element_id',
    {
      schema: {
        tags,
        summary: 'Link an element of the same project to a feature',
        security,
        params: FeatureElementParams,
        response: { 201: MessageResponse, ...errors(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      await linkFeatureElement(contextOf(request), request.params.id, request.params.element_id);
      return reply.status(201).send({ message: 'Element linked to feature' });
    },
  );

  app.post(
    '/features/:id/calculate-progress',
    {
      schema: {
        tags,
        summary: "Recount a feature's todos and answer its progress",
        security,
        params: IdParams,
        response: { 200: FeatureProgress, ...errors(401, 404, 422) },
      },
    },
    async (request) => calculateFeatureProgress(contextOf(request), request.params.id),
  );
};

export default featuresRoutes;
