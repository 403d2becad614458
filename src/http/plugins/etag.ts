import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

// Above this a body is not hashed: hashing it would cost more than it saves.
// Big read models carry a tag of their project's event number instead (views.ts).
const HASHED_BODY_LIMIT = 256 * 1024;

/**
 * `ETag` on every successful JSON GET (single resources and lists alike), and
 * `If-None-Match` answered with 304 and no body, so clients revalidate instead of
 * downloading what they already have. `Cache-Control: private, no-cache`: answers
 * depend on who asks, and must be revalidated every time.
 *
 * A route that knows its version (the project read models of views.ts) sets the tag
 * itself, before doing any work; for the rest the tag is a hash of the serialized
 * payload — bounded bodies, microseconds of SHA-1. The tag is weak (`W/`): it
 * promises the same JSON, not the same bytes on the wire, which keeps it valid if
 * compression is added later.
 */
export default fp(
  async function etags(app: FastifyInstance) {
    app.addHook('onSend', async (request, reply, payload) => {
      if ((request.method !== 'GET' && request.method !== 'HEAD') || reply.statusCode !== 200) return payload;
      if (reply.hasHeader('etag')) return payload;
      if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
      if (payload.length > HASHED_BODY_LIMIT) return payload;
      const contentType = reply.getHeader('content-type');
      if (typeof contentType !== 'string' || !contentType.startsWith('application/json')) return payload;

      const etag = `W/"${createHash('sha1').update(payload).digest('base64url')}"`;
      reply.header('ETag', etag);
      reply.header('Cache-Control', 'private, no-cache');
      if (ifNoneMatchHits(request.headers['if-none-match'], etag)) {
        reply.code(304);
        reply.removeHeader('content-length');
        return '';
      }
      return payload;
    });
  },
  { name: 'etags' },
);

/** RFC 9110 weak comparison of `etag` against an `If-None-Match` list (or `*`). */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === opaque;
  });
}
