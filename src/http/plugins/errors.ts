import type { FastifyError, FastifyInstance, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import fp from 'fastify-plugin';
import { DomainError, isDataException, sqlState } from '../../domain/errors.js';
import { JobQueueUnavailable } from '../../infra/jobs/types.js';

interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

const LOCATION: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/**
 * One error handler for the whole API. Every answer is `{"detail": …}`: a string for
 * rule violations, the FastAPI-style list for validation (422), and a generic text
 * for anything unexpected (500), whose details go only to the log.
 */
export default fp(
  async function errorHandling(app: FastifyInstance) {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof DomainError) {
        return reply.status(error.status).send({ detail: error.message, ...error.extra });
      }
      if (error instanceof JobQueueUnavailable) {
        // The queue's store (Redis) did not answer: nothing was queued, the caller may retry.
        return reply.status(503).send({ detail: 'The job queue is not reachable right now; try again later' });
      }
      if (error.validation) {
        const context = error.validationContext ?? 'body';
        const where = LOCATION[context] ?? 'body';
        // A value outside an enum is a 400 naming the allowed values (DECISIONS.md,
        // "tested is not a todo status"), not a 422 that leaves the caller guessing.
        const outside = error.validation.find((issue) => issue.keyword === 'enum');
        if (outside) return reply.status(400).send({ detail: enumMessage(where, outside, partOf(request, context)) });
        return reply.status(422).send({ detail: error.validation.map((issue) => toIssue(where, issue)) });
      }
      if (isDataException(error)) {
        // The database refused a value (out of range for its column, not text it can
        // store): the input was bad, so a 400, never a 500.
        request.log.warn({ sqlstate: sqlState(error) }, 'database refused a value');
        return reply.status(400).send({ detail: 'A value is out of range or not valid for its field' });
      }
      switch (error.code) {
        case 'FST_ERR_CTP_INVALID_JSON_BODY':
        case 'FST_ERR_CTP_EMPTY_JSON_BODY':
          return reply.status(422).send({
            detail: [{ loc: ['body'], msg: `Invalid JSON body: ${error.message}`, type: 'json_invalid' }],
          });
        case 'FST_ERR_CTP_BODY_TOO_LARGE':
          return reply.status(413).send({ detail: 'Request body is too large' });
        case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
          return reply.status(415).send({ detail: `Unsupported media type: ${request.headers['content-type'] ?? 'none'}; send application/json` });
      }
      const status = error.statusCode ?? 500;
      if (status >= 500) {
        request.log.error({ err: error }, 'unhandled error');
        return reply.status(500).send({ detail: 'Internal server error' });
      }
      // Errors from Fastify and its plugins that already chose a 4xx (rate limit, etc.).
      return reply.status(status).send({ detail: error.message });
    });

    app.setNotFoundHandler((request, reply) => {
      reply.status(404).send({ detail: `Not found: ${request.method} ${request.url.split('?')[0]}` });
    });
  },
  { name: 'error-handling' },
);

function toIssue(where: string, issue: FastifySchemaValidationError): ValidationIssue {
  const path = fieldPath(issue);
  const params = issue.params as Record<string, unknown>;
  if (issue.keyword === 'required' && typeof params.missingProperty === 'string') {
    return { loc: [where, ...path, params.missingProperty], msg: 'Field required', type: 'missing' };
  }
  const field = path.length > 0 ? String(path[path.length - 1]) : where;
  return { loc: [where, ...path], msg: `${field} ${issue.message ?? 'is invalid'}`, type: issue.keyword };
}

function fieldPath(issue: FastifySchemaValidationError): (string | number)[] {
  return issue.instancePath
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function partOf(request: FastifyRequest, context: string): unknown {
  switch (context) {
    case 'querystring':
      return request.query;
    case 'params':
      return request.params;
    case 'headers':
      return request.headers;
    default:
      return request.body;
  }
}

/** `status must be one of: new, in_progress, done (got "tested")`. */
function enumMessage(where: string, issue: FastifySchemaValidationError, data: unknown): string {
  const path = fieldPath(issue);
  const field = path.length > 0 ? path.join('.') : where;
  const allowed = (issue.params as { allowedValues?: unknown[] }).allowedValues ?? [];
  let value: unknown = data;
  for (const part of path) value = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[part] : undefined;
  const got = value === undefined ? '' : ` (got ${JSON.stringify(value)?.slice(0, 100)})`;
  return `${field} must be one of: ${allowed.map(String).join(', ')}${got}`;
}
