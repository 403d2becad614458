import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { type RouteContext, sendBadCredentials, sendMessage, sendNotFound } from './http.js';
import { registerIssueRoutes } from './issues.js';
import { OAuthServer } from './oauth.js';
import { registerRepoRoutes } from './repos.js';
import { type FakeGitHubUser, FakeGitHubState, type FakeIssue, type FakeMilestone, type FakePull, type FakeRepo, type RepoPermission } from './state.js';

export type { FakeGitHubUser, FakeIssue, FakeMilestone, FakePull, FakeRepo, RepoPermission } from './state.js';

export interface RecordedRequest {
  method: string;
  /** Percent-decoded, without the query string. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  /** Parsed JSON or form body; undefined when there was none (or it could not be parsed). */
  body: unknown;
}

/** Applies to the OAuth endpoints too, so a test can make the token exchange fail. */
export interface FailureRule {
  method?: string;
  /** Tested against the recorded (decoded) path. */
  path: RegExp;
  /** Only requests whose query has these values (e.g. `{ page: '2' }` for the second page of a listing). */
  query?: Record<string, string>;
  kind: 'secondary-rate-limit' | 'server-error' | 'unauthorized' | 'not-found';
  times: number;
}

export interface FakeGitHub {
  /** Base URL, e.g. http://127.0.0.1:PORT — serves both the API (as GITHUB_API_URL) and the OAuth host (as GITHUB_OAUTH_URL) */
  url: string;
  clientId: string;
  clientSecret: string;
  /** Every request received, OAuth ones included, in order. */
  requests: RecordedRequest[];
  /** A user and a personal token for them; the user object is live, so a test may edit its name or email. */
  addUser(login: string): { user: FakeGitHubUser; token: string };
  /** Creates the default branch with a root commit. */
  addRepo(owner: string, name: string, options?: { private?: boolean; default_branch?: string; collaborators?: Record<string, RepoPermission> }): FakeRepo;
  /** Throws if unknown. */
  repo(owner: string, name: string): FakeRepo;
  /** Number allocated per repo, shared with pulls like GitHub. */
  addIssue(repo: FakeRepo, fields: Partial<FakeIssue> & { title: string }): FakeIssue;
  addMilestone(repo: FakeRepo, fields: Partial<FakeMilestone> & { title: string }): FakeMilestone;
  /** Also lists it among the repo's issues; the head branch need not exist. */
  addPull(repo: FakeRepo, fields: Partial<FakePull> & { title: string; head: string }): FakePull;
  /** Stacks these commits (oldest first) on the branch, creating it from the default branch if new; compare then counts them. */
  setBranchCommits(repo: FakeRepo, branch: string, commits: { sha: string; message: string }[]): void;
  /** The token now gets 401 Bad credentials. */
  revoke(token: string): void;
  /** Refresh tokens issued so far (for `login`, else all) are refused from now on, as after the user revokes the app's authorization. */
  revokeRefreshTokens(login?: string): void;
  /** The next `times` matching requests fail that way, then normal service. */
  failNext(rule: FailureRule): void;
  /** Every API response waits this long first (the slow-upstream benchmark uses 500). 0 by default. */
  setDelay(ms: number): void;
  /** OAuth options: issue expiring tokens (expires_in + refresh_token + refresh_token_expires_in) or not (classic non-expiring). Default false */
  setExpiringTokens(on: boolean, expiresInSeconds?: number): void;
  /** Which fake user the next browser authorisation signs in as (default: the first user added) */
  signInAs(login: string): void;
  close(): Promise<void>;
}

const RATE_LIMIT = 5000;
const RATE_LIMIT_WINDOW_MS = 60 * 60 * 1000;
const ANONYMOUS = 'anonymous';

/** What the hooks learn about a request, for the later hooks and the routes. */
interface RequestInfo {
  record: RecordedRequest;
  /** The OAuth host has no tokens, rate limits, ETags or delay. */
  isApi: boolean;
  token: string | undefined;
  caller: FakeGitHubUser | undefined;
}

interface PendingFailure {
  rule: FailureRule;
  remaining: number;
}

/** GitHub's hourly core allowance, per token (anonymous callers share one). */
class RateLimiter {
  private readonly windows = new Map<string, { used: number; resetAt: number }>();

  remaining(key: string): number {
    return RATE_LIMIT - this.window(key).used;
  }

  /** The x-ratelimit-* headers after this response; `count` is false for answers GitHub does not charge (304). */
  charge(key: string, count: boolean): Record<string, string> {
    const window = this.window(key);
    if (count) window.used = Math.min(RATE_LIMIT, window.used + 1);
    return {
      'x-ratelimit-limit': String(RATE_LIMIT),
      'x-ratelimit-remaining': String(RATE_LIMIT - window.used),
      'x-ratelimit-reset': String(Math.ceil(window.resetAt / 1000)),
      'x-ratelimit-used': String(window.used),
      'x-ratelimit-resource': 'core',
    };
  }

  private window(key: string): { used: number; resetAt: number } {
    let window = this.windows.get(key);
    if (!window || window.resetAt <= Date.now()) {
      window = { used: 0, resetAt: Date.now() + RATE_LIMIT_WINDOW_MS };
      this.windows.set(key, window);
    }
    return window;
  }
}

/** A fake GitHub (REST API and OAuth web flow) on a random loopback port. */
export async function startFakeGitHub(options: { clientId?: string; clientSecret?: string; logger?: boolean } = {}): Promise<FakeGitHub> {
  const clientId = options.clientId ?? 'fake-client-id';
  const clientSecret = options.clientSecret ?? 'fake-client-secret';
  const state = new FakeGitHubState();
  const oauth = new OAuthServer(state, clientId, clientSecret);
  const rateLimiter = new RateLimiter();
  const requests: RecordedRequest[] = [];
  const pendingFailures: PendingFailure[] = [];
  const requestInfo = new WeakMap<FastifyRequest, RequestInfo>();
  let delayMs = 0;
  let baseUrl = '';

  const takeFailure = (method: string, path: string, query: Record<string, string>): FailureRule | undefined => {
    const queryMatches = (rule: FailureRule) => Object.entries(rule.query ?? {}).every(([name, value]) => query[name] === value);
    // String#search ignores a /g rule's lastIndex, which RegExp#test would carry between calls.
    const pending = pendingFailures.find(
      ({ rule }) => (rule.method === undefined || rule.method.toUpperCase() === method) && path.search(rule.path) !== -1 && queryMatches(rule),
    );
    if (!pending) return undefined;
    pending.remaining -= 1;
    if (pending.remaining <= 0) pendingFailures.splice(pendingFailures.indexOf(pending), 1);
    return pending.rule;
  };

  const app = Fastify({ logger: options.logger ?? false });
  // GitHub's token endpoint takes form posts.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  app.addHook('onRequest', async (request) => {
    const url = new URL(request.url, 'http://fake.invalid');
    const path = decodePath(url.pathname);
    const record: RecordedRequest = { method: request.method, path, query: Object.fromEntries(url.searchParams), headers: flattenHeaders(request.headers), body: undefined };
    requests.push(record);
    requestInfo.set(request, { record, isApi: !path.startsWith('/login/oauth/'), token: undefined, caller: undefined });
  });

  app.addHook('preHandler', async (request, reply) => {
    const info = requestInfo.get(request);
    if (!info) return;
    info.record.body = request.body;
    if (info.isApi) {
      if (delayMs > 0) await sleep(delayMs);
      const authorization = request.headers.authorization;
      // Basic credentials are the OAuth app's own (the grant endpoint checks them itself).
      if (authorization !== undefined && !/^basic\s/i.test(authorization)) {
        const token = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization.trim())?.[1];
        const caller = token === undefined ? undefined : state.userForToken(token);
        if (!caller) return sendBadCredentials(reply);
        // Known before a failure is injected, so even a failed request counts against its token.
        info.token = token;
        info.caller = caller;
      }
    }
    const failure = takeFailure(request.method, info.record.path, info.record.query);
    if (failure) return sendFailure(reply, failure);
    if (info.isApi && rateLimiter.remaining(info.token ?? ANONYMOUS) <= 0) {
      return sendMessage(reply, 403, `API rate limit exceeded for ${info.caller ? `user ID ${info.caller.id}` : 'this address'}.`);
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-github-request-id', randomBytes(8).toString('hex').toUpperCase());
    const info = requestInfo.get(request);
    if (info && !info.isApi) return payload;
    let notModified = false;
    if (request.method === 'GET' && reply.statusCode === 200 && typeof payload === 'string') {
      const etag = `"${createHash('sha1').update(payload).digest('hex')}"`;
      reply.header('etag', etag);
      notModified = matchesETag(request.headers['if-none-match'], etag);
    }
    // A 304 costs nothing on GitHub: that is what makes conditional requests worth sending.
    reply.headers(rateLimiter.charge(info?.token ?? ANONYMOUS, !notModified));
    if (!notModified) return payload;
    reply.code(304).removeHeader('content-type');
    return '';
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error(error);
      return sendMessage(reply, 500, 'Server Error');
    }
    return sendMessage(reply, status, error.code?.startsWith('FST_ERR_CTP_') ? 'Problems parsing JSON' : error.message);
  });
  app.setNotFoundHandler(async (_request, reply) => sendNotFound(reply));

  const context: RouteContext = {
    state,
    callerOf: (request) => requestInfo.get(request)?.caller,
    baseUrl: () => baseUrl,
  };
  oauth.register(app);
  registerRepoRoutes(app, context);
  registerIssueRoutes(app, context);

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('fake GitHub: no TCP address');
  baseUrl = `http://127.0.0.1:${address.port}`;

  return {
    url: baseUrl,
    clientId,
    clientSecret,
    requests,
    addUser: (login) => state.addUser(login),
    addRepo: (owner, name, repoOptions) => state.addRepo(owner, name, repoOptions),
    repo: (owner, name) => state.repo(owner, name),
    addIssue: (repo, fields) => state.addIssue(repo, fields),
    addMilestone: (repo, fields) => state.addMilestone(repo, fields),
    addPull: (repo, fields) => state.addPull(repo, fields),
    setBranchCommits: (repo, branch, commits) => state.setBranchCommits(repo, branch, commits),
    revoke: (token) => state.revoke(token),
    revokeRefreshTokens: (login) => oauth.revokeRefreshTokens(login),
    failNext: (rule) => {
      if (rule.times > 0) pendingFailures.push({ rule: { ...rule }, remaining: rule.times });
    },
    setDelay: (ms) => {
      delayMs = ms;
    },
    setExpiringTokens: (on, expiresInSeconds) => oauth.setExpiringTokens(on, expiresInSeconds),
    signInAs: (login) => oauth.signInAs(login),
    close: () => app.close(),
  };
}

function sendFailure(reply: FastifyReply, rule: FailureRule): FastifyReply {
  switch (rule.kind) {
    case 'secondary-rate-limit':
      reply.header('retry-after', '1');
      return sendMessage(reply, 403, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.');
    case 'server-error':
      return sendMessage(reply, 500, 'Server Error');
    case 'unauthorized':
      return sendBadCredentials(reply);
    case 'not-found':
      return sendNotFound(reply);
  }
}

/** `If-None-Match` may list several tags, or weak ones: any of them naming this body counts. */
function matchesETag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag || candidate.trim() === '*');
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]));
}
