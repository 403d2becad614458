import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { type BuiltApp, buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { LogDestination } from '../../src/infra/logging.js';

export const ADMIN_EMAIL = 'admin@intracker.test';
export const ADMIN_PASSWORD = 'Admin-Passw0rd!';

// Response bodies are whatever JSON the server sent; tests assert on their shape, so
// `any` is the honest default here (and only here).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface ApiResponse<T = Json> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string | undefined;
  body?: unknown;
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

export interface TestServer {
  url: string;
  app: BuiltApp;
  request<T = Json>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

/** The environment every test server gets: the run's database and Redis when given. */
export function testEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    // Emails that tests make go to the file outbox under DATA_DIR: keep them out of the checkout.
    DATA_DIR: join(tmpdir(), 'intracker-test-data'),
    DATABASE_URL: inject('databaseUrl') ?? 'memory://',
    PGLITE_MEMORY_TEMPLATE: inject('pgliteTemplate'),
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: inject('redisPrefix'),
    JWT_SECRET: 'test-access-secret-that-is-long-enough-0123456789',
    JWT_REFRESH_SECRET: 'test-refresh-secret-that-is-long-enough-0123456789',
    INTRACKER_ADMIN_EMAIL: ADMIN_EMAIL,
    INTRACKER_ADMIN_PASSWORD: ADMIN_PASSWORD,
    RATE_LIMIT_LOGIN: '0',
    RATE_LIMIT_REGISTER: '0',
    RATE_LIMIT_REFRESH: '0',
    RATE_LIMIT_DEFAULT: '0',
    // Dozens of servers share one test process on a busy machine, so its loop delay
    // measures the run, not a server: shedding would fail unrelated tests at random.
    // test/http/pressure.test.ts turns it back on where it is under test.
    PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...overrides,
  };
}

/**
 * A real server on a random loopback port, spoken to over HTTP like any client. With
 * `logStream` its log lines (JSON, one per line) go there; set `LOG_LEVEL` too.
 */
export async function startServer(
  overrides: Record<string, string | undefined> = {},
  options: { logStream?: LogDestination } = {},
): Promise<TestServer> {
  const app = await buildApp(loadConfig(testEnv(overrides)), options.logStream ? { logStream: options.logStream } : { logger: false });
  const address = await app.fastify.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: address,
    app,
    request: (method, path, options = {}) => httpRequest(address, method, path, options),
    close: () => app.close(),
  };
}

export async function httpRequest<T = Json>(
  baseUrl: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | Buffer | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (metrics, HTML): keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

/** A short random suffix so names and emails never collide between files on one database. */
export function unique(prefix = ''): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}
