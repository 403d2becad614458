import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProjectRecord } from '../domain/memo.js';
import { ifNoneMatchHits } from './plugins/etag.js';

/**
 * Answers a GET with a read model of one project — the project itself, its element
 * tree, its feature list — tagged by the project's event number: every change to
 * anything in the project bumps it, so the tag is known before any work is done.
 * `If-None-Match` with the current tag is a 304 straight away; otherwise the body
 * rendered for that number is served from the memo, or rendered (the route's
 * response schema serializes it) and kept for the next caller.
 *
 * `variant` names what else the answer depends on (query parameters), so different
 * pages of a list never share a body or a tag.
 */
export async function sendProjectView(
  request: FastifyRequest,
  reply: FastifyReply,
  view: { kind: string; variant?: string; project: ProjectRecord },
  render: () => unknown,
): Promise<FastifyReply> {
  const { memo } = request.server.services;
  const { project } = view;
  const kind = view.variant ? `${view.kind}?${view.variant}` : view.kind;
  // updated_at as well: a project row changed without an event (another process) still moves the tag.
  const etag = `W/"${view.kind}-${project.eventSeq}-${project.updatedAt.getTime().toString(36)}"`;
  reply.header('ETag', etag).header('Cache-Control', 'private, no-cache');
  if (ifNoneMatchHits(request.headers['if-none-match'], etag)) return reply.code(304).send();

  const kept = memo.view(kind, project.id, project.eventSeq);
  if (kept && kept.etag === etag) return reply.type('application/json; charset=utf-8').send(kept.body);
  // The route's response schema serializes it, exactly as a returned value would be.
  const body = String(reply.serialize(await render()));
  memo.keepView(kind, project.id, { seq: project.eventSeq, etag, body });
  return reply.type('application/json; charset=utf-8').send(body);
}
