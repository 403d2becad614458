import type { FastifyError, FastifyInstance, FastifySchemaValidationError } from 'fastify';
import fp from 'fastify-plugin';
import { DomainError } from '../../domain/errors.js';

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
      if (error.validation) {
        const where = LOCATION[error.validationContext ?? 'body'] ?? 'body';
        return reply.status(422).send({ detail: error.validation.map((issue) => toIssue(where, issue)) });
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
  const path = issue.instancePath
    .split('/')
    .filter(Boolean)
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  const params = issue.params as Record<string, unknown>;
  if (issue.keyword === 'required' && typeof params.missingProperty === 'string') {
    return { loc: [where, ...path, params.missingProperty], msg: 'Field required', type: 'missing' };
  }
  const field = path.length > 0 ? String(path[path.length - 1]) : where;
  return { loc: [where, ...path], msg: `${field} ${issue.message ?? 'is invalid'}`, type: issue.keyword };
}
