/**
 * The failures a domain service may report. They carry the HTTP-free meaning; the
 * HTTP error handler, MCP tool wrapper and hub each translate them once.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  constructor(message: string, readonly extra: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
  }
}

/** A rule of the domain was broken by the input (400). */
export class RuleViolation extends DomainError {
  readonly status = 400;
}

/** Not authenticated, or the credentials are no good (401). */
export class Unauthenticated extends DomainError {
  readonly status = 401;
}

/** The caller can see the thing but may not do this to it (403). */
export class Forbidden extends DomainError {
  readonly status = 403;
}

/** Unknown, or invisible to the caller: the two are deliberately indistinguishable (404). */
export class NotFound extends DomainError {
  readonly status = 404;
  constructor(entity: string) {
    super(`${entity} not found`);
  }
}

/** Past a size limit or quota of the deployment (413). */
export class TooLarge extends DomainError {
  readonly status = 413;
}

/** The state changed underneath the caller, or the thing already exists (409). */
export class Conflict extends DomainError {
  readonly status = 409;
}

/** Not available right now, or not set up on this deployment (503): try later, or configure it. */
export class Unavailable extends DomainError {
  readonly status = 503;
}

/** A service we depend on (GitHub) failed, refused or did not answer in time (502). */
export class UpstreamFailure extends DomainError {
  readonly status = 502;
}

/** Postgres unique_violation, as thrown by either driver. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const pgError = findPgError(error);
  return pgError?.code === '23505' && (constraint === undefined || pgError.constraint_name === constraint || pgError.constraint === constraint);
}

/**
 * A PostgreSQL data exception (SQLSTATE class 22: a number out of its column's range,
 * text the database cannot store, a malformed literal): the value came from the
 * caller, so surfaces answer it as bad input, not as a server failure.
 */
export function isDataException(error: unknown): boolean {
  return sqlState(error)?.startsWith('22') ?? false;
}

/** The SQLSTATE of a driver error, wrapped or not; undefined for other errors. */
export function sqlState(error: unknown): string | undefined {
  const code = findPgError(error)?.code;
  return code !== undefined && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function findPgError(error: unknown): { code?: string; constraint_name?: string; constraint?: string } | undefined {
  // drizzle wraps driver errors in DrizzleQueryError with the original as `cause`.
  for (let current: unknown = error; current && typeof current === 'object'; current = (current as { cause?: unknown }).cause) {
    if ('code' in current && typeof (current as { code: unknown }).code === 'string') return current as { code: string };
  }
  return undefined;
}
