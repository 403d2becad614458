import type { Config, DatabaseTarget } from './config.js';
import { DataDirInUseError } from './db/client.js';

/**
 * Failures of the environment rather than of the code — a busy port, a database that
 * does not answer, a refused input — turned into one line that names the problem and
 * its fix. The CLI prints that line and exits with EXIT_ENVIRONMENT; anything not
 * recognised here is a bug and keeps its stack trace.
 */

/** Exit code when the environment or the operator's input, not the program, is at fault. */
export const EXIT_ENVIRONMENT = 2;

/** A failure whose message already says what to do. */
export class StartupFailure extends Error {}

interface SystemError {
  code?: unknown;
  syscall?: unknown;
  port?: unknown;
  address?: unknown;
  cause?: unknown;
  errors?: unknown;
}

// Socket errors on connecting, postgres.js's own connect timeout, and PostgreSQL's
// refusals at log-in (bad password, no such role, no such database).
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'CONNECT_TIMEOUT']);
const LOGIN_REFUSED: Record<string, string> = {
  '28P01': 'the password was refused',
  '28000': 'the role was refused',
  '3D000': 'the database does not exist',
};

/** The first error in the cause chain (and AggregateError members) that carries a string `code`. */
function codedError(error: unknown): SystemError | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const candidate = current as SystemError;
    if (typeof candidate.code === 'string') return candidate;
    queue.push(candidate.cause);
    if (Array.isArray(candidate.errors)) queue.push(...(candidate.errors as unknown[]));
  }
  return undefined;
}

/** The database's address with any password left out. */
export function describeDatabase(target: DatabaseTarget): string {
  if (target.kind === 'pglite') return target.dataDir ? `the embedded database in ${target.dataDir}` : 'the in-memory database';
  try {
    const url = new URL(target.url);
    url.password = '';
    return url.toString();
  } catch {
    return 'DATABASE_URL';
  }
}

/** The one-line explanation for `error`, or undefined when it is not an environment failure. */
export function explainFailure(error: unknown, config: Config | undefined): string | undefined {
  if (error instanceof StartupFailure) return error.message;
  if (error instanceof DataDirInUseError) return `${error.message}; stop it first, or give this process its own DATA_DIR`;
  const coded = codedError(error);
  if (!coded) return undefined;
  const code = String(coded.code);
  if (code === 'EADDRINUSE') {
    const where = config ? `port ${config.port} on ${config.host}` : 'the port';
    return `${where} is already in use by another process: stop that process, or set PORT to a free port (PORT=0 picks one)`;
  }
  if (code === 'EACCES' && coded.syscall === 'listen') {
    return `not allowed to listen on port ${config?.port ?? '?'}: ports below 1024 need privileges, set PORT to 1024 or higher`;
  }
  if (config?.database.kind === 'postgres') {
    const database = describeDatabase(config.database);
    if (UNREACHABLE.has(code)) {
      return `cannot reach the database at ${database} (${code}): start PostgreSQL there, or fix DATABASE_URL (unset it to use the embedded database)`;
    }
    const refusal = LOGIN_REFUSED[code];
    if (refusal) return `the database at ${database} refused the connection (${refusal}): fix the user, password or database name in DATABASE_URL`;
  }
  return undefined;
}
