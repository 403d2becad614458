import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getImportRun } from '../../domain/github/import-jobs.js';
import { contextOf } from '../plugins/auth.js';
import { errors } from '../schemas/common.js';
import { Task, TaskParams, presentTask } from '../schemas/github-imports.js';

const security = [{ bearerAuth: [] }];

/**
 * `GET /tasks/{id}` (reference §1.11): how a background task the caller started went,
 * with its result. Today the only tasks a user starts are GitHub imports.
 */
const taskRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.get(
    '/tasks/:id',
    {
      schema: {
        tags: ['tasks'],
        summary: 'A background task you started (today: GitHub imports), with its result',
        description: 'Your own tasks; an admin reads anyone’s. Others answer 404.',
        security,
        params: TaskParams,
        response: { 200: Task, ...errors(401, 404, 422) },
      },
    },
    async (request) => presentTask(await getImportRun(contextOf(request), request.params.id)),
  );
};

export default taskRoutes;
