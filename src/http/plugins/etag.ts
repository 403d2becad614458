import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * `ETag` on every successful JSON GET (single resources and lists alike), and
 * `If-None-Match` answered with 304 and no body, so clients revalidate instead of
 * downloading what they already have. `Cache-Control: private, no-cache`: answers
 * depend on who asks, and must be revalidated every time.
 *
 * The tag is a hash of the serialized payload. Hashing on the event loop is fine
 * here: payloads are bounded by what we serialize for one page or one resource
 * (the body limit's order of magnitude) and SHA-1 runs at hundreds of MB/s, so this
 * is microseconds per answer. The tag is weak (`W/`): it promises the same JSON, not
 * the same bytes on the wire, which keeps it valid if compression is added later.
 */
export default fp(
  async function etags(app: FastifyInstance) {
    app.addHook('onSend', async (request, reply, payload) => {
      if ((request.method !== 'GET' && request.method !== 'HEAD') || reply.statusCode !== 200) return payload;
      if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
      const contentType = reply.getHeader('content-type');
      if (typeof contentType !== 'string' || !contentType.startsWith('application/json')) return payload;

      const etag = `W/"${createHash('sha1').update(payload).digest('base64url')}"`;
      reply.header('ETag', etag);
      reply.header('Cache-Control', 'private, no-cache');
      if (matches(request.headers['if-none-match'], etag)) {
        reply.code(304);
        reply.removeHeader('content-length');
        return '';
      }
      return payload;
    });
  },
  { name: 'etags' },
);

/** RFC 9110 weak comparison against an `If-None-Match` list (or `*`). */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === opaque;
  });
}
