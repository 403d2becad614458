import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DOCUMENT_BODY_LIMIT_BYTES } from '../../domain/documents/rules.js';
import { createDocument, deleteDocument, getDocument, listProjectDocuments, updateDocument } from '../../domain/documents/service.js';
import { pageRequest } from '../../domain/pagination.js';
import { contextOf } from '../plugins/auth.js';
import { IdParams, errors, pageBody, paged } from '../schemas/common.js';
import {
  CreateDocumentBody,
  Document,
  DocumentContent,
  DocumentListQuery,
  UpdateDocumentBody,
  presentDocument,
  presentDocumentContent,
} from '../schemas/document.js';
import { ProjectParams } from '../schemas/session.js';

const tags = ['documents'];
const security = [{ bearerAuth: [] }];

/**
 * `/documents`: a project's markdown documents (architecture, ADRs, constraints, notes…).
 * Members read and write them; bodies may be up to 5 MiB here (1 MiB elsewhere).
 */
const documentsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/documents',
    {
      bodyLimit: DOCUMENT_BODY_LIMIT_BYTES,
      schema: {
        tags,
        summary: 'Create a document in a project',
        description: 'A linked `element_id`/`feature_id` must belong to the same project (400). Bodies up to 5 MiB (413 beyond).',
        security,
        body: CreateDocumentBody,
        response: { 201: Document, ...errors(400, 401, 404, 409, 413, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const document = await createDocument(contextOf(request), {
        projectId: body.project_id,
        elementId: body.element_id,
        featureId: body.feature_id,
        type: body.type,
        title: body.title,
        content: body.content,
        tags: body.tags,
      });
      return reply.status(201).send(presentDocument(document));
    },
  );

  app.get(
    '/documents/project/:pid',
    {
      schema: {
        tags,
        summary: 'List a project’s documents, most recently updated first',
        description: '`search` is a case-insensitive substring of the title or the content (`%` and `_` match themselves).',
        security,
        params: ProjectParams,
        querystring: DocumentListQuery,
        response: { 200: paged('documents', Document), ...errors(401, 404, 422) },
      },
    },
    async (request) => {
      const { type, element_id, feature_id, search, ...window } = request.query;
      const page = await listProjectDocuments(
        contextOf(request),
        request.params.pid,
        { type, elementId: element_id, featureId: feature_id, search },
        pageRequest(window),
      );
      return pageBody('documents', page, presentDocument);
    },
  );

  app.get(
    '/documents/:id',
    { schema: { tags, summary: 'Get a document', security, params: IdParams, response: { 200: Document, ...errors(401, 404, 422) } } },
    async (request) => presentDocument(await getDocument(contextOf(request), request.params.id)),
  );

  app.get(
    '/documents/:id/content',
    {
      schema: {
        tags,
        summary: 'Get a document’s content and version',
        security,
        params: IdParams,
        response: { 200: DocumentContent, ...errors(401, 404, 422) },
      },
    },
    async (request) => presentDocumentContent(await getDocument(contextOf(request), request.params.id)),
  );

  app.put(
    '/documents/:id',
    {
      bodyLimit: DOCUMENT_BODY_LIMIT_BYTES,
      schema: {
        tags,
        summary: 'Update a document',
        description: 'Fields left out are unchanged. The version goes up by one when the content changes.',
        security,
        params: IdParams,
        body: UpdateDocumentBody,
        response: { 200: Document, ...errors(401, 404, 409, 413, 422) },
      },
    },
    async (request) => {
      const body = request.body;
      const document = await updateDocument(contextOf(request), request.params.id, { title: body.title, content: body.content, tags: body.tags });
      return presentDocument(document);
    },
  );

  app.delete(
    '/documents/:id',
    {
      schema: {
        tags,
        summary: 'Delete a document',
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...errors(401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      await deleteDocument(contextOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
};

export default documentsRoutes;
