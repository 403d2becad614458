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

/** Where log lines go instead of stdout (tests read the server's log this way). */
export interface LogDestination {
  write(line: string): void;
}

export function loggerOptions(level: string, stream?: LogDestination): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream && { stream }),
    redact: { paths: REDACTED_PATHS, censor: REDACTED },
    serializers: {
      // Fastify types the result as pino's; ours has its fields, `stack` without the message.
      err: (error: Error) => serializeError(error) as { type: string; message: string; stack: string },
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: redactUrl(request.url),
        host: request.host,
        remoteAddress: request.ip,
      }),
    },
  };
}

const MAX_CAUSES = 8;
const MAX_QUERY_CHARS = 500;

/**
 * Errors for the log. A database error names what failed — its SQLSTATE, constraint,
 * table, column and routine — and never the data: the driver's message and detail
 * can quote a value ("Key (email)=(…) already exists", "Failing row contains …",
 * "invalid input syntax for type uuid: …") and Drizzle's message lists every
 * parameter of the failed query, so neither is logged; the query text (placeholders
 * only) is. Other errors are logged whole, causes included.
 */
export function serializeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return error;
  const type = error.constructor.name;
  const cause = depth < MAX_CAUSES && error.cause !== undefined ? serializeError(error.cause, depth + 1) : undefined;
  const database = databaseFacts(error);
  if (database) {
    return { type, message: `database error ${database.sqlstate}`, ...database, stack: stackFrames(error.stack) };
  }
  const found = depth === 0 ? databaseFactsIn(error.cause) : undefined;
  if (isFailedQuery(error)) {
    return {
      type,
      message: 'Failed query',
      ...(found && { sqlstate: found.sqlstate, constraint: found.constraint }),
      query: error.query.slice(0, MAX_QUERY_CHARS),
      stack: stackFrames(error.stack),
      cause,
    };
  }
  const own = Object.fromEntries(Object.entries(error).filter(([key]) => key !== 'cause'));
  return {
    type,
    message: error.message,
    ...own,
    ...(found && { sqlstate: found.sqlstate, constraint: found.constraint }),
    stack: error.stack,
    ...(cause !== undefined && { cause }),
  };
}

interface DatabaseFacts {
  sqlstate: string;
  constraint?: string;
  table?: string;
  column?: string;
  routine?: string;
}

/** A PostgreSQL error, as postgres.js (`constraint_name`…) or PGlite (`constraint`…) reports it. */
function databaseFacts(error: object): DatabaseFacts | undefined {
  const fields = error as Record<string, unknown>;
  // `severity` tells a server error from a Node system error whose code is five letters too (EPIPE).
  if (typeof fields.code !== 'string' || !/^[0-9A-Z]{5}$/.test(fields.code) || typeof fields.severity !== 'string') return undefined;
  const text = (...keys: string[]) => keys.map((key) => fields[key]).find((value): value is string => typeof value === 'string' && value !== '');
  const facts: DatabaseFacts = { sqlstate: fields.code };
  const constraint = text('constraint_name', 'constraint');
  const table = text('table_name', 'table');
  const column = text('column_name', 'column');
  const routine = text('routine');
  if (constraint) facts.constraint = constraint;
  if (table) facts.table = table;
  if (column) facts.column = column;
  if (routine) facts.routine = routine;
  return facts;
}

function databaseFactsIn(error: unknown): DatabaseFacts | undefined {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < MAX_CAUSES; depth += 1) {
    const facts = databaseFacts(current);
    if (facts) return facts;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Drizzle's wrapper of a failed statement: its message carries the parameters. */
function isFailedQuery(error: Error): error is Error & { query: string } {
  return typeof (error as { query?: unknown }).query === 'string' && 'params' in error;
}

/** The stack without its first lines, which repeat the message. */
function stackFrames(stack: string | undefined): string | undefined {
  return stack
    ?.split('\n')
    .filter((line) => /^\s+at /.test(line))
    .join('\n');
}
