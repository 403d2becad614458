import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type ImportKind, type ImportOptions, startImport } from '../../domain/github/import-jobs.js';
import { contextOf } from '../plugins/auth.js';
import { errors } from '../schemas/common.js';
import { ImportProjectParams, ImportQueued, IssueImportBody, MilestoneImportBody } from '../schemas/github-imports.js';

const tags = ['github'];

const security = [{ bearerAuth: [] }];

/**
 * GitHub imports as background jobs: `POST …/import/issues|milestones` checks access,
 * the repository and the caller's GitHub connection, queues the import and answers
 * 202 with the job's id; `GET /tasks/{id}` (tasks.ts) tells the user who started it how it went.
 */
const githubImportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);
  const { jobs, config } = app.services;

  const queue = (request: Parameters<typeof contextOf>[0], projectId: string, kind: ImportKind, options: ImportOptions) =>
    startImport(
      contextOf(request),
      (payload) => jobs.enqueue('github.import', payload),
      projectId,
      kind,
      options,
      config.jobs.attempts,
    );

  const queued = (jobId: string, prefix: string) => ({ job_id: jobId, status: 'queued' as const, task_url: `${prefix}/tasks/${encodeURIComponent(jobId)}` });
  const prefixOf = (url: string) => (url.startsWith('/v1/') ? '/v1' : '');

  app.post(
    '/github/projects/:pid/import/issues',
    {
      schema: {
        tags,
        summary: 'Import the repository’s issues as todos (background job)',
        description:
          'Idempotent by issue number: new issues become todos, changed ones update theirs (title, description, open/done), the rest stay. ' +
          'Answers 202 with a job id; follow it at `GET /tasks/{job_id}`. The board hears `projectUpdated` `{action:"github_import", phase}`.',
        security,
        params: ImportProjectParams,
        body: IssueImportBody,
        response: { 202: ImportQueued, ...errors(400, 401, 403, 404, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const options: ImportOptions = { labels: body.labels, state: body.state, createElements: body.create_elements ?? body.createElements };
      const jobId = await queue(request, request.params.pid, 'issues', options);
      return reply.status(202).send(queued(jobId, prefixOf(request.url)));
    },
  );

  app.post(
    '/github/projects/:pid/import/milestones',
    {
      schema: {
        tags,
        summary: 'Import the repository’s milestones as features, their issues as todos (background job)',
        description: 'Idempotent by milestone and issue number. Answers 202 with a job id; follow it at `GET /tasks/{job_id}`.',
        security,
        params: ImportProjectParams,
        body: MilestoneImportBody,
        response: { 202: ImportQueued, ...errors(400, 401, 403, 404, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const jobId = await queue(request, request.params.pid, 'milestones', { state: request.body?.state });
      return reply.status(202).send(queued(jobId, prefixOf(request.url)));
    },
  );
};

export default githubImportRoutes;
