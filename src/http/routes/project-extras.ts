import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { buildResumeContext } from '../../domain/projects/resume-context.js';
import { listActiveUsers } from '../../domain/sessions/service.js';
import { contextOf } from '../plugins/auth.js';
import { IdParams, errors } from '../schemas/common.js';
import { ActiveUsers, ResumeContext, presentActiveUsers } from '../schemas/session.js';

const tags = ['projects'];
const security = [{ bearerAuth: [] }];

/** Read-only views of a project made from its sessions, todos and documents. */
const projectExtrasRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.get(
    '/projects/:id/active-users',
    {
      schema: {
        tags,
        summary: 'Who is working on the project: users with an open session',
        security,
        params: IdParams,
        response: { 200: ActiveUsers, ...errors(401, 404, 422) },
      },
    },
    async (request) => presentActiveUsers(await listActiveUsers(contextOf(request), request.params.id)),
  );

  app.get(
    '/projects/:id/resume-context',
    {
      schema: {
        tags,
        summary: 'Where to pick the project up: last session, next todos for you, blockers, constraints',
        description:
          '`now.next_todos` holds up to 5 todos ranked for the caller: their own in-progress todos first, then priority ' +
          '(critical first), unblocked before blocked, position, age; never a todo assigned to someone else or claimed by ' +
          'another agent with an unexpired claim. Every todo carries its `version`.',
        security,
        params: IdParams,
        response: { 200: ResumeContext, ...errors(401, 404, 422) },
      },
    },
    async (request) => buildResumeContext(contextOf(request), request.params.id),
  );
};

export default projectExtrasRoutes;
