import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { FastifyBaseLogger } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { GitHubConfig } from '../../config.js';
import { translateGitHubError } from './errors.js';

/** Octokit with the throttling and retry plugins: what every GitHub call goes through. */
export const GitHubOctokit = Octokit.plugin(throttling, retry);
export type GitHubApi = InstanceType<typeof GitHubOctokit>;

/** Rate-limit waits longer than this are not waited for: the caller gets a 502 saying when to retry. */
const MAX_RATE_LIMIT_WAIT_SECONDS = 5;
const CLIENTS_KEPT = 1000;
/** Bytes of conditional-request (ETag) responses kept per process. */
const ETAG_CACHE_BYTES = 16 * 1024 * 1024;

interface Remembered {
  etag: string;
  response: { data: unknown; headers: Record<string, unknown>; status: number; url: string };
}

/** Who a client acts as: a user's own token, or the deployment's `GITHUB_TOKEN`. */
export interface GitHubIdentity {
  /** `user:<id>` or `deployment`; keys the per-identity throttle, concurrency cap and ETag cache. */
  key: string;
  token: string;
}

/**
 * Hands out Octokit clients, one per identity and token, kept while used. Each one:
 * - points at `GITHUB_API_URL` (tests run a fake GitHub on loopback; GitHub Enterprise works);
 * - waits out short primary and secondary rate limits once (throttling plugin), and
 *   retries 5xx answers twice with backoff (retry plugin);
 * - runs at most `GITHUB_MAX_CONCURRENCY_PER_USER` requests at once per identity, so one
 *   slow repository holds only its own caller's calls;
 * - gives every call `GITHUB_REQUEST_TIMEOUT_MS` in all, retries included;
 * - sends `If-None-Match` for GETs it has an ETag for, and answers a 304 from what it
 *   kept: GitHub does not count 304s against the rate limit.
 * Failures leave it as domain errors (errors.ts), never as raw Octokit errors.
 */
export class GitHubClients {
  private readonly clients = new LRUCache<string, GitHubApi>({ max: CLIENTS_KEPT });
  private readonly remembered = new LRUCache<string, Remembered>({
    maxSize: ETAG_CACHE_BYTES,
    sizeCalculation: (entry) => Math.max(1, JSON.stringify(entry.response.data).length),
  });

  constructor(
    readonly config: GitHubConfig,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** The client acting as `identity`. */
  for(identity: GitHubIdentity): GitHubApi {
    const cacheKey = `${identity.key}\u0000${identity.token}`;
    let client = this.clients.get(cacheKey);
    if (!client) {
      client = this.create(identity);
      this.clients.set(cacheKey, client);
    }
    return client;
  }

  /** Forgets the clients and kept answers of `identityKey` (its token changed or was revoked). */
  forget(identityKey: string): void {
    for (const key of this.clients.keys()) if (key.startsWith(`${identityKey}\u0000`)) this.clients.delete(key);
    for (const key of this.remembered.keys()) if (key.startsWith(`${identityKey} `)) this.remembered.delete(key);
  }

  private create(identity: GitHubIdentity): GitHubApi {
    const { config, log } = this;
    const onLimit = (kind: string) => (retryAfter: number, options: { method?: string; url?: string }, _client: unknown, retryCount: number) => {
      log.warn({ identity: identity.key, retryAfter, method: options.method, url: options.url }, `GitHub ${kind} rate limit`);
      return retryCount === 0 && retryAfter <= MAX_RATE_LIMIT_WAIT_SECONDS;
    };
    const client = new GitHubOctokit({
      auth: identity.token,
      baseUrl: config.apiUrl,
      userAgent: 'InTracker',
      log: {
        debug: () => {},
        info: () => {},
        warn: (message: string) => log.warn({ identity: identity.key }, `GitHub client: ${message}`),
        error: (message: string) => log.error({ identity: identity.key }, `GitHub client: ${message}`),
      },
      throttle: {
        // One limiter group per identity: its concurrency cap and write spacing are its own.
        id: identity.key,
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary'),
      },
      retry: { retries: 2, retryAfterBaseValue: config.retryBaseMs },
    });
    this.limitConcurrency(client);
    this.answerNotModified(client, identity.key);
    this.bound(client);
    return client;
  }

  /** At most `maxConcurrencyPerUser` requests in flight for one identity; the rest queue in order. */
  private limitConcurrency(client: GitHubApi): void {
    const limit = this.config.maxConcurrencyPerUser;
    let running = 0;
    const waiting: Array<() => void> = [];
    client.hook.wrap('request', async (request, options) => {
      // A finishing request hands its slot straight to the next in line, so one that
      // arrives in between cannot slip past the cap.
      if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      else running += 1;
      try {
        return await request(options);
      } finally {
        const next = waiting.shift();
        if (next) next();
        else running -= 1;
      }
    });
  }

  private answerNotModified(client: GitHubApi, identityKey: string): void {
    client.hook.wrap('request', async (request, options) => {
      if (options.method !== 'GET') return request(options);
      const key = `${identityKey} ${client.request.endpoint.merge(options).url}`;
      const kept = this.remembered.get(key);
      if (kept) options.headers = { ...options.headers, 'if-none-match': kept.etag };
      try {
        const response = await request(options);
        const etag = response.headers.etag;
        if (typeof etag === 'string') {
          this.remembered.set(key, { etag, response: { data: response.data, headers: { ...response.headers }, status: response.status, url: response.url } });
        }
        return response;
      } catch (error) {
        if (kept && (error as { status?: unknown }).status === 304) {
          return { ...kept.response, headers: { ...kept.response.headers } } as Awaited<ReturnType<typeof request>>;
        }
        throw error;
      }
    });
  }

  /** The deadline for the whole call, and the translation of whatever failed. Outermost, so it spans the retries. */
  private bound(client: GitHubApi): void {
    const timeoutMs = this.config.requestTimeoutMs;
    client.hook.wrap('request', async (request, options) => {
      const deadline = AbortSignal.timeout(timeoutMs);
      // Wrapped hooks all receive the one options object they were bound to
      // (before-after-hook): a copy handed on would never reach fetch, so set it in place.
      options.request = { ...options.request, signal: deadline };
      // The retry plugin would still wait out its backoff after an aborted attempt.
      const expired = new Promise<never>((_resolve, reject) => {
        deadline.addEventListener('abort', () => reject(deadline.reason as Error), { once: true });
      });
      try {
        return await Promise.race([request(options), expired]);
      } catch (error) {
        throw translateGitHubError(error, { timedOut: deadline.aborted, timeoutMs, method: options.method, url: options.url });
      }
    });
  }
}
