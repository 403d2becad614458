import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { requireAdmin } from '../../domain/access.js';
import { NotFound } from '../../domain/errors.js';
import { pageRequest } from '../../domain/pagination.js';
import { JOB_LIST_STATES, type JobView } from '../../infra/jobs/index.js';
import { contextOf } from '../plugins/auth.js';
import { Nullable, PaginationQuery, StringEnum, Timestamp, errors, paged, pageBody } from '../schemas/common.js';

const Job = Type.Object({
  id: Type.String(),
  name: Type.String(),
  state: Type.String(),
  attempts: Type.Integer(),
  max_attempts: Type.Integer(),
  last_error: Nullable(Type.String()),
  payload: Type.Unknown(),
  created_at: Timestamp,
  failed_at: Nullable(Timestamp),
});

function presentJob(job: JobView) {
  return {
    id: job.id,
    name: job.name,
    state: job.state,
    attempts: job.attempts,
    max_attempts: job.maxAttempts,
    last_error: job.lastError,
    payload: job.payload,
    created_at: job.createdAt,
    failed_at: job.failedAt,
  };
}

/**
 * `/admin/jobs`: the background queue for global admins. `state=failed` is the
 * dead-letter list; `POST /admin/jobs/{id}/retry` gives a dead job fresh tries.
 */
const jobRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const doc = (summary: string) => ({ tags: ['admin'], summary, security: [{ bearerAuth: [] }] });
  const onRequest = app.authenticate;

  app.get(
    '/admin/jobs',
    {
      onRequest,
      schema: {
        ...doc('List background jobs by state (failed = the dead-letter list)'),
        querystring: Type.Object({
          state: Type.Optional(StringEnum(JOB_LIST_STATES, { description: 'default failed' })),
          ...PaginationQuery.properties,
        }),
        response: { 200: paged('jobs', Job), ...errors(401, 403, 422, 503) },
      },
    },
    async (request) => {
      requireAdmin(contextOf(request).actor);
      const { state, ...window } = request.query;
      const page = pageRequest(window);
      const found = await app.services.jobs.list(state ?? 'failed', { offset: page.offset, limit: page.pageSize });
      return pageBody('jobs', { items: found.jobs, total: found.total, page: page.page, pageSize: page.pageSize }, presentJob);
    },
  );

  app.post(
    '/admin/jobs/:id/retry',
    {
      onRequest,
      schema: {
        ...doc('Put a dead-lettered job back in the queue with fresh tries'),
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: Job, ...errors(401, 403, 404, 422, 503) },
      },
    },
    async (request) => {
      requireAdmin(contextOf(request).actor);
      const job = await app.services.jobs.retry(request.params.id);
      if (!job) throw new NotFound('Failed job');
      return presentJob(job);
    },
  );
};

export default jobRoutes;
