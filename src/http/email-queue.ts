import type { FastifyRequest } from 'fastify';
import type { EmailQueue } from '../domain/invitations/email.js';

/** The queue a request's emails go to: never sent in the request, so its answer does not wait for a mail server. */
export function emailQueueOf(request: FastifyRequest): EmailQueue {
  const { services } = request.server;
  return { jobs: services.jobs, frontendUrl: services.config.frontendUrl, log: request.log };
}
