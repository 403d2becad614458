import type { FastifyRequest, FastifyServerOptions } from 'fastify';

// Never log credentials, whichever way they arrive: headers, JSON bodies or the query
// string (the web client sends `/admin/create-user?password=…`, the SignalR client
// `?access_token=…`).
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.access_token',
  '*.refresh_token',
  '*.invitation_code',
];
const SENSITIVE_QUERY_PARAMS = new Set(['password', 'access_token', 'refresh_token', 'token', 'api_key', 'code', 'invitation_code']);
const REDACTED = '[redacted]';

/** The request URL with sensitive query values replaced, for logs. */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const params = new URLSearchParams(url.slice(queryStart + 1));
  let changed = false;
  for (const key of [...params.keys()]) {
    if (SENSITIVE_QUERY_PARAMS.has(key.toLowerCase())) {
      params.set(key, REDACTED);
      changed = true;
    }
  }
  return changed ? `${url.slice(0, queryStart)}?${params.toString()}` : url;
}

export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: REDACTED },
    serializers: {
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: redactUrl(request.url),
        host: request.host,
        remoteAddress: request.ip,
      }),
    },
  };
}
