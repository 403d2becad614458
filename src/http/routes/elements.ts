import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { addDependency, listDependencies, removeDependency } from '../../domain/elements/dependencies.js';
import { createElement, deleteElement, getElement, previewElementDelete, updateElement } from '../../domain/elements/service.js';
import { getElementTree } from '../../domain/elements/tree.js';
import { getProject } from '../../domain/projects/service.js';
import { contextOf } from '../plugins/auth.js';
import { sendProjectView } from '../views.js';
import { IdParams, errors } from '../schemas/common.js';
import {
  CreateDependencyBody,
  CreateElementBody,
  DeletePreviewResponse,
  Dependency,
  DependencyList,
  DependencyParams,
  Element,
  ElementDetailResponse,
  ElementTreeResponse,
  ProjectIdParams,
  UpdateElementBody,
  presentDeletePreview,
  presentDependency,
  presentElement,
  presentElementDetail,
  presentElementTree,
} from '../schemas/element.js';

const tags = ['elements'];
const security = [{ bearerAuth: [] }];

/**
 * `/elements`: a project's element tree and the dependencies between elements.
 * Team members read and change them; another team's ids answer 404.
 */
const elementsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/elements',
    {
      schema: {
        tags,
        summary: 'Create an element, at the root or under a parent of the same project',
        description: "The parent's status is rolled up again with the new child in it.",
        security,
        body: CreateElementBody,
        response: { 201: Element, ...errors(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const element = await createElement(contextOf(request), {
        projectId: body.project_id,
        parentId: body.parent_id,
        type: body.type,
        title: body.title,
        description: body.description,
        status: body.status,
        position: body.position,
        definitionOfDone: body.definition_of_done,
      });
      return reply.status(201).send(presentElement(element));
    },
  );

  app.get(
    '/elements/project/:pid/tree',
    {
      schema: {
        tags,
        summary: "A project's whole element tree with todo counts and linked features",
        description: 'Not paginated. Siblings are ordered by `position` (unset last), then creation time.',
        security,
        params: ProjectIdParams,
        response: { 200: ElementTreeResponse, ...errors(401, 404, 422) },
      },
    },
    async (request, reply) => {
      const ctx = contextOf(request);
      const project = await getProject(ctx, request.params.pid);
      return sendProjectView(request, reply, { kind: 'tree', project }, async () => presentElementTree(await getElementTree(ctx, project.id)));
    },
  );

  app.get(
    '/elements/:id',
    {
      schema: {
        tags,
        summary: 'Get an element with its todos and what it depends on',
        security,
        params: IdParams,
        response: { 200: ElementDetailResponse, ...errors(401, 404, 422) },
      },
    },
    async (request) => presentElementDetail(await getElement(contextOf(request), request.params.id)),
  );

  app.put(
    '/elements/:id',
    {
      schema: {
        tags,
        summary: 'Update or move an element',
        description:
          'Fields left out are unchanged; `parent_id: null` makes the element a root. The new parent must be in the same ' +
          'project and not the element itself or one of its descendants. A status set here stays until the contents ' +
          "change; the old and new parents' statuses are rolled up again.",
        security,
        params: IdParams,
        body: UpdateElementBody,
        response: { 200: Element, ...errors(400, 401, 404, 409, 422) },
      },
    },
    async (request) => {
      const body = request.body;
      const element = await updateElement(contextOf(request), request.params.id, {
        parentId: body.parent_id,
        type: body.type,
        title: body.title,
        description: body.description,
        status: body.status,
        position: body.position,
        definitionOfDone: body.definition_of_done,
      });
      return presentElement(element);
    },
  );

  app.get(
    '/elements/:id/delete-preview',
    {
      schema: {
        tags,
        summary: 'What deleting the element would remove or unlink',
        security,
        params: IdParams,
        response: { 200: DeletePreviewResponse, ...errors(401, 404, 422) },
      },
    },
    async (request) => presentDeletePreview(await previewElementDelete(contextOf(request), request.params.id)),
  );

  app.delete(
    '/elements/:id',
    {
      schema: {
        tags,
        summary: 'Delete an element with its whole subtree and their todos',
        description:
          'Dependencies and feature links of the deleted elements go too; their documents are kept, unlinked. ' +
          '`GET /elements/{id}/delete-preview` tells beforehand what would go.',
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...errors(401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      await deleteElement(contextOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/elements/:id/dependencies',
    {
      schema: {
        tags,
        summary: 'Make the element depend on another element of the same project',
        description: 'Refused when the other element already depends on this one, directly or through others.',
        security,
        params: IdParams,
        body: CreateDependencyBody,
        response: { 201: Dependency, ...errors(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const dependency = await addDependency(contextOf(request), request.params.id, {
        dependsOnElementId: request.body.depends_on_element_id,
        dependencyType: request.body.dependency_type,
      });
      return reply.status(201).send(presentDependency(dependency));
    },
  );

  app.get(
    '/elements/:id/dependencies',
    {
      schema: {
        tags,
        summary: 'What the element depends on',
        security,
        params: IdParams,
        response: { 200: DependencyList, ...errors(401, 404, 422) },
      },
    },
    async (request) => ({ dependencies: (await listDependencies(contextOf(request), request.params.id)).map(presentDependency) }),
  );

  app.delete(
    '/elements/:id/dependencies/:dep_id',
    {
      schema: {
        tags,
        summary: "Remove one of the element's dependencies",
        security,
        params: DependencyParams,
        response: { 204: Type.Null(), ...errors(401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      await removeDependency(contextOf(request), request.params.id, request.params.dep_id);
      return reply.status(204).send(null);
    },
  );
};

export default elementsRoutes;
