import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { pageRequest } from '../../domain/pagination.js';
import { endSession, getSession, listProjectSessions, startSession, updateSession } from '../../domain/sessions/service.js';
import { contextOf } from '../plugins/auth.js';
import { IdParams, errors, pageBody, paged } from '../schemas/common.js';
import { EndSessionBody, ProjectParams, Session, SessionListQuery, StartSessionBody, UpdateSessionBody, presentSession } from '../schemas/session.js';

const tags = ['sessions'];
const security = [{ bearerAuth: [] }];

/**
 * `/sessions`: work sessions, one person's or agent's stretch of work on a project.
 * Members start, update and end them; ending one leaves a summary for the next.
 */
const sessionsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/sessions',
    {
      schema: {
        tags,
        summary: 'Start a work session on a project (as yourself)',
        description: 'Any member of the project’s team. `feature_ids` must be features of the project (400 naming the others).',
        security,
        body: StartSessionBody,
        response: { 201: Session, ...errors(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const session = await startSession(contextOf(request), {
        projectId: body.project_id,
        title: body.title,
        goal: body.goal,
        featureIds: body.feature_ids,
      });
      return reply.status(201).send(presentSession(session));
    },
  );

  app.get(
    '/sessions/project/:pid',
    {
      schema: {
        tags,
        summary: 'List a project’s sessions, newest start first',
        security,
        params: ProjectParams,
        querystring: SessionListQuery,
        response: { 200: paged('sessions', Session), ...errors(401, 404, 422) },
      },
    },
    async (request) => {
      const { user_id, ...window } = request.query;
      const page = await listProjectSessions(contextOf(request), request.params.pid, { userId: user_id }, pageRequest(window));
      return pageBody('sessions', page, presentSession);
    },
  );

  app.get(
    '/sessions/:id',
    { schema: { tags, summary: 'Get a session', security, params: IdParams, response: { 200: Session, ...errors(401, 404, 422) } } },
    async (request) => presentSession(await getSession(contextOf(request), request.params.id)),
  );

  app.put(
    '/sessions/:id',
    {
      schema: {
        tags,
        summary: 'Record progress on a session',
        description:
          'Fields left out are unchanged; a list given replaces the stored one. Every id must be of the session’s project, ' +
          '`todos_completed` must be `done` and `features_completed` `done`, `tested` or `merged` (400 naming the offenders).',
        security,
        params: IdParams,
        body: UpdateSessionBody,
        response: { 200: Session, ...errors(400, 401, 404, 409, 422) },
      },
    },
    async (request) => {
      const body = request.body;
      const session = await updateSession(contextOf(request), request.params.id, {
        title: body.title,
        goal: body.goal,
        notes: body.notes,
        todosCompleted: body.todos_completed,
        featuresCompleted: body.features_completed,
        elementsUpdated: body.elements_updated,
      });
      return presentSession(session);
    },
  );

  app.post(
    '/sessions/:id/end',
    {
      schema: {
        tags,
        summary: 'End a session',
        description:
          'Sets `ended_at` and the project’s `last_session_at`. Without a `summary` one is generated from the goal and the ' +
          'lists, followed by a workflow reminder. The lists are checked as on update. Ending twice answers 400 "Session is already ended".',
        security,
        params: IdParams,
        body: EndSessionBody,
        response: { 200: Session, ...errors(400, 401, 404, 422) },
      },
    },
    async (request) => {
      const body = request.body ?? {};
      const session = await endSession(contextOf(request), request.params.id, {
        summary: body.summary,
        notes: body.notes,
        todosCompleted: body.todos_completed,
        featuresCompleted: body.features_completed,
        elementsUpdated: body.elements_updated,
      });
      return presentSession(session);
    },
  );
};

export default sessionsRoutes;
