import { Conflict, DomainError, Forbidden, RuleViolation, UpstreamFailure } from '../../domain/errors.js';

/** The caller has no usable GitHub token (never connected, revoked, expired beyond refresh): 409. */
export class GitHubNotConnected extends Conflict {
  constructor(reason = 'connect your GitHub account in Settings first') {
    super(`GitHub not connected: ${reason}`);
  }
}

interface FailedCall {
  timedOut: boolean;
  timeoutMs: number;
  method?: string | undefined;
  url?: string | undefined;
}

interface OctokitFailure {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

/**
 * What a failed GitHub call means to our caller, as a domain error with a reason:
 * 401 → not connected (the token is no good: GitHub's 401 must not read as our own
 * session expiring), 403 → forbidden or rate-limited, 404 → not found (GitHub hides
 * private repositories that way), 422 → the request was refused, anything else
 * (5xx after the retries, a network failure, the deadline) → 502. Never a 500.
 */
export function translateGitHubError(error: unknown, call: FailedCall): Error {
  if (error instanceof DomainError) return error;
  if (call.timedOut) return new UpstreamFailure(`GitHub did not answer within ${call.timeoutMs} ms`);
  const failure = (typeof error === 'object' && error !== null ? error : {}) as OctokitFailure;
  const message = githubMessage(failure);
  switch (failure.status) {
    case 401:
      return new GitHubNotConnected('GitHub refused the token (revoked or expired); connect GitHub again');
    case 403:
    case 429: {
      const headers = failure.response?.headers ?? {};
      if (String(headers['x-ratelimit-remaining']) === '0' || /rate limit/i.test(message)) {
        const reset = Number(headers['x-ratelimit-reset']);
        const when = Number.isFinite(reset) && reset > 0 ? `; it resets at ${new Date(reset * 1000).toISOString()}` : '';
        return new UpstreamFailure(`GitHub rate limit reached${when}: ${message}`);
      }
      return new Forbidden(`GitHub refused: ${message}`);
    }
    case 404:
      return new GitHubResourceMissing(message);
    case 409:
    case 422:
      return new RuleViolation(`GitHub refused the request: ${message}`);
    default: {
      const status = failure.status !== undefined && failure.status > 0 ? ` (HTTP ${failure.status})` : '';
      return new UpstreamFailure(`GitHub failed${status}: ${message}`);
    }
  }
}

/** A 404 from GitHub; services usually say what was missing in their own words (`Repository o/r not found…`). */
export class GitHubResourceMissing extends DomainError {
  readonly status = 404;
  constructor(readonly githubMessage: string) {
    super(`Not found on GitHub (or not visible to this GitHub account): ${githubMessage}`);
  }
}

function githubMessage(failure: OctokitFailure): string {
  const data = failure.response?.data;
  if (typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string') {
    return (data as { message: string }).message;
  }
  return failure.message ?? 'unknown error';
}
