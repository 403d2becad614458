import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * Every environment variable the server reads, in one place. `loadConfig` parses
 * and validates them once at start-up; nothing else in `src/` touches
 * `process.env`, so a typo or a bad value fails fast with the variable's name.
 */

// The installation's own folder (this file is src/config.ts or dist/config.js), not the
// shell's current one: `npm start` in the checkout and `intracker mcp` started by an
// agent from its workspace then open the same database.
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../data', import.meta.url));

const Duration = Type.String({ pattern: '^[0-9]+(ms|s|m|h|d)?$' });
const RateLimit = Type.Integer({ minimum: 0, description: 'requests per window; 0 turns the limit off' });

const EnvSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    default: 'development',
  }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  DATA_DIR: Type.String({ minLength: 1, default: DEFAULT_DATA_DIR }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^(postgres(ql)?://|memory://)' })),
  // For test suites: a migrated PGlite data dir (a `dumpDataDir()` tarball) that every
  // memory:// database starts from, instead of running initdb and the migrations again.
  PGLITE_MEMORY_TEMPLATE: Type.Optional(Type.String({ minLength: 1 })),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  REDIS_KEY_PREFIX: Type.String({ default: 'intracker:' }),
  JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  JWT_REFRESH_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  JWT_EXPIRES_IN: Type.String({ ...Duration, default: '15m' }),
  JWT_REFRESH_EXPIRES_IN: Type.String({ ...Duration, default: '7d' }),
  CORS_ORIGIN: Type.Optional(Type.String()),
  FRONTEND_URL: Type.String({ pattern: '^https?://', default: 'http://localhost:5173' }),
  BACKEND_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  INTRACKER_ADMIN_EMAIL: Type.Optional(Type.String({ pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$' })),
  INTRACKER_ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
  RATE_LIMIT_LOGIN: Type.Integer({ ...RateLimit, default: 10 }),
  RATE_LIMIT_REGISTER: Type.Integer({ ...RateLimit, default: 5 }),
  RATE_LIMIT_REFRESH: Type.Integer({ ...RateLimit, default: 30 }),
  RATE_LIMIT_DEFAULT: Type.Integer({ ...RateLimit, default: 600 }),
  // MCP transports (docs/security.md "MCP transports"). Lists are comma-separated; `*` turns that check off.
  MCP_ALLOWED_ORIGINS: Type.Optional(Type.String()),
  MCP_ALLOWED_HOSTS: Type.Optional(Type.String()),
  // Unset: RATE_LIMIT_DEFAULT. Counted per API key and per JSON-RPC message (a batch of 10 counts 10).
  RATE_LIMIT_MCP: Type.Optional(Type.Integer({ ...RateLimit })),
  MCP_MAX_SESSIONS_PER_KEY: Type.Integer({ minimum: 0, default: 50 }),
  MCP_SSE_MAX_LIFETIME: Type.String({ ...Duration, default: '12h' }),
  // Bytes of document content one project may hold in all; 0 turns the quota off.
  DOCUMENT_QUOTA_BYTES: Type.Integer({ minimum: 0, default: 50 * 1024 * 1024 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 1 })),
  // Default: one core fewer than the machine has (at least 1); see infra/passwords.ts.
  PASSWORD_HASH_CONCURRENCY: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
  LOOP_BLOCK_WARN_MS: Type.Integer({ minimum: 0, default: 200 }),
  // Load shedding (@fastify/under-pressure); 0 turns a check off.
  PRESSURE_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 0, default: 1000 }),
  PRESSURE_MAX_EVENT_LOOP_UTILIZATION: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
  // Unset: 90 % of V8's heap limit, worked out at start-up (it depends on --max-old-space-size).
  PRESSURE_MAX_HEAP_USED_MB: Type.Optional(Type.Integer({ minimum: 0 })),
  PRESSURE_RETRY_AFTER_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 10 }),
  // Settled for the features that will use them; validated here already so a
  // deployment learns about a bad value at start-up, not at first use.
  ENCRYPTION_KEYS: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]+:[A-Za-z0-9+/=]+(,[A-Za-z0-9_-]+:[A-Za-z0-9+/=]+)*$' })),
  GITHUB_OAUTH_ENCRYPTION_KEY: Type.Optional(Type.String({ minLength: 1 })),
  GITHUB_API_URL: Type.String({ pattern: '^https?://', default: 'https://api.github.com' }),
  GITHUB_OAUTH_URL: Type.String({ pattern: '^https?://', default: 'https://github.com' }),
  GITHUB_OAUTH_CLIENT_ID: Type.Optional(Type.String()),
  GITHUB_OAUTH_CLIENT_SECRET: Type.Optional(Type.String()),
  GITHUB_OAUTH_REDIRECT_URI: Type.Optional(Type.String({ pattern: '^https?://' })),
  GITHUB_WEBHOOK_SECRET: Type.Optional(Type.String()),
  GITHUB_TOKEN: Type.Optional(Type.String()),
  GITHUB_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
  GITHUB_MAX_CONCURRENCY_PER_USER: Type.Integer({ minimum: 1, maximum: 100, default: 4 }),
  /** First retry delay for a GitHub 5xx (then 4x, 9x…); tests shorten it. */
  GITHUB_RETRY_BASE_MS: Type.Integer({ minimum: 1, maximum: 60_000, default: 1000 }),
  EMAIL_PROVIDER: Type.Optional(Type.Union([Type.Literal('outbox'), Type.Literal('smtp'), Type.Literal('azure')])),
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  EMAIL_FROM: Type.String({ default: 'InTracker <no-reply@intracker.local>' }),
  AZURE_COMMUNICATION_SERVICES_CONNECTION_STRING: Type.Optional(Type.String()),
  AZURE_EMAIL_SENDER_ADDRESS: Type.Optional(Type.String()),
  // Background jobs (src/infra/jobs): see docs/email-and-jobs.md.
  JOBS_IN_SERVER: Type.Boolean({ default: true, description: 'false: only `intracker worker` runs jobs' }),
  JOBS_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 50, default: 5 }),
  JOBS_BACKOFF_MS: Type.Integer({ minimum: 1, default: 5000 }),
  JOBS_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 64, default: 4 }),
  JOBS_POLL_MS: Type.Integer({ minimum: 10, default: 1000 }),
  CLAIM_EXPIRY_INTERVAL_MS: Type.Integer({ minimum: 100, default: 60_000, description: 'How often lapsed todo claims are cleared' }),
});

type Env = Static<typeof EnvSchema>;

export type DatabaseTarget =
  | { kind: 'pglite'; dataDir: string | undefined; template?: string | undefined } // dataDir undefined: in memory, from `template` if given
  | { kind: 'postgres'; url: string };

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  dataDir: string;
  database: DatabaseTarget;
  redis: { url: string; keyPrefix: string } | undefined;
  jwt: {
    accessSecret: string | undefined;
    refreshSecret: string | undefined;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
  };
  corsOrigins: string[] | '*';
  frontendUrl: string;
  backendUrl: string | undefined;
  bootstrapAdmin: { email: string; password: string } | undefined;
  rateLimits: { login: number; register: number; refresh: number; default: number };
  mcp: {
    /** Extra allowed `Origin`s besides FRONTEND_URL, BACKEND_URL and loopback on our port; '*' = any. */
    allowedOrigins: string[] | '*';
    /** Extra allowed `Host`s (`name` or `name:port`) besides BACKEND_URL's, FRONTEND_URL's and loopback; '*' = any. */
    allowedHosts: string[] | '*';
    /** JSON-RPC messages per key per minute; 0 = no limit. */
    rateLimit: number;
    /** Open sessions one key may hold on an instance; 0 = no cap. */
    maxSessionsPerKey: number;
    /** How long a legacy SSE stream may stay open before the server ends it; 0 = no limit. */
    sseMaxLifetimeMs: number;
  };
  /** Document bytes per project; 0 = no quota. */
  documentQuotaBytes: number;
  logLevel: string;
  metricsToken: string | undefined;
  loopBlockWarnMs: number;
  passwordHashConcurrency: number;
  /** Limits past which requests are shed with 503; 0 turns one off, undefined heap = 90 % of V8's limit. */
  pressure: {
    maxEventLoopDelayMs: number;
    maxEventLoopUtilization: number;
    maxHeapUsedMb: number | undefined;
    retryAfterSeconds: number;
  };
  jobs: {
    /** Whether `serve` consumes jobs itself (else only `intracker worker` does). */
    inServer: boolean;
    attempts: number;
    /** First retry delay; each later one doubles it. */
    backoffMs: number;
    concurrency: number;
    /** How often the in-process queue looks for due jobs (it is also woken on enqueue). */
    pollMs: number;
    /** How often the `maintenance.expired-claims` job runs. */
    claimExpiryEveryMs: number;
  };
  email: EmailConfig;
  /** Keys for secrets at rest, newest (the one that encrypts) first; empty: resolved at start-up (infra/secrets.ts). */
  encryptionKeys: EncryptionKey[];
  github: GitHubConfig;
  raw: Env;
}

export interface EncryptionKey {
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

export interface GitHubConfig {
  apiUrl: string;
  /** The browser signs in at `<oauthUrl>/login/oauth/authorize`; the server exchanges codes at `…/access_token`. */
  oauthUrl: string;
  oauth: { clientId: string; clientSecret: string; redirectUri: string } | undefined;
  webhookSecret: string | undefined;
  /** The deployment's own token, used only for callers who have not connected GitHub. */
  deploymentToken: string | undefined;
  requestTimeoutMs: number;
  maxConcurrencyPerUser: number;
  retryBaseMs: number;
}

export type EmailConfig =
  | { provider: 'outbox'; from: string; outboxDir: string }
  | { provider: 'smtp'; from: string; smtpUrl: string }
  | { provider: 'azure'; from: string; connectionString: string; senderAddress: string };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

export function parseDurationSeconds(text: string): number {
  const match = /^([0-9]+)(ms|s|m|h|d)?$/.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  return Math.max(1, Math.floor(Number(match[1]) * (DURATION_UNITS[match[2] ?? 's'] ?? 1)));
}

/** Like parseDurationSeconds, in milliseconds and without the one-second floor (`1500ms` stays 1500). */
export function parseDurationMs(text: string): number {
  const match = /^([0-9]+)(ms|s|m|h|d)?$/.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  return Math.max(1, Math.floor(Number(match[1]) * 1000 * (DURATION_UNITS[match[2] ?? 's'] ?? 1)));
}

/** A comma-separated list, normalised; `*` anywhere in it means "any". */
function listOrAny(text: string | undefined, normalise: (item: string) => string): string[] | '*' {
  const items = (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return items.includes('*') ? '*' : items.map(normalise);
}

const DEV_ORIGINS = ['http://localhost:5173', 'http://localhost:3000', 'http://127.0.0.1:5173', 'http://127.0.0.1:3000'];

function corsOrigins(env: Env): string[] | '*' {
  const configured = (env.CORS_ORIGIN ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  if (configured.includes('*')) return '*';
  if (env.NODE_ENV === 'development') return [...new Set([...DEV_ORIGINS, ...configured])];
  return configured.length > 0 ? configured : [env.FRONTEND_URL];
}

function databaseTarget(env: Env): DatabaseTarget {
  if (!env.DATABASE_URL) return { kind: 'pglite', dataDir: resolve(env.DATA_DIR, 'pglite') };
  if (env.DATABASE_URL.startsWith('memory://')) return { kind: 'pglite', dataDir: undefined, template: env.PGLITE_MEMORY_TEMPLATE };
  return { kind: 'postgres', url: env.DATABASE_URL };
}

/** Parses `source` (normally `process.env`); throws ConfigError naming every bad variable. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const known = Object.keys(EnvSchema.properties);
  // Empty strings count as unset, the way shells and .env files usually mean them.
  const input = Object.fromEntries(
    known.flatMap((name) => (source[name] === undefined || source[name] === '' ? [] : [[name, source[name]]])),
  );
  const withDefaults = Value.Default(EnvSchema, Value.Convert(EnvSchema, input));
  const problems = [...Value.Errors(EnvSchema, withDefaults)].map(
    (error) => `${error.path.replace(/^\//, '') || '(root)'}: ${error.message} (got ${JSON.stringify(error.value)})`,
  );
  const env = withDefaults as Env;
  if (problems.length === 0) problems.push(...crossFieldProblems(env));
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    // Absolute, so every message that names it says where it really is.
    dataDir: resolve(env.DATA_DIR),
    database: databaseTarget(env),
    redis: env.REDIS_URL ? { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX } : undefined,
    jwt: {
      accessSecret: env.JWT_SECRET,
      refreshSecret: env.JWT_REFRESH_SECRET,
      accessTtlSeconds: parseDurationSeconds(env.JWT_EXPIRES_IN),
      refreshTtlSeconds: parseDurationSeconds(env.JWT_REFRESH_EXPIRES_IN),
    },
    corsOrigins: corsOrigins(env),
    frontendUrl: env.FRONTEND_URL.replace(/\/+$/, ''),
    backendUrl: env.BACKEND_URL,
    bootstrapAdmin:
      env.INTRACKER_ADMIN_EMAIL && env.INTRACKER_ADMIN_PASSWORD
        ? { email: env.INTRACKER_ADMIN_EMAIL, password: env.INTRACKER_ADMIN_PASSWORD }
        : undefined,
    rateLimits: {
      login: env.RATE_LIMIT_LOGIN,
      register: env.RATE_LIMIT_REGISTER,
      refresh: env.RATE_LIMIT_REFRESH,
      default: env.RATE_LIMIT_DEFAULT,
    },
    mcp: {
      allowedOrigins: listOrAny(env.MCP_ALLOWED_ORIGINS, (origin) => origin.replace(/\/+$/, '').toLowerCase()),
      allowedHosts: listOrAny(env.MCP_ALLOWED_HOSTS, (host) => host.toLowerCase()),
      rateLimit: env.RATE_LIMIT_MCP ?? env.RATE_LIMIT_DEFAULT,
      maxSessionsPerKey: env.MCP_MAX_SESSIONS_PER_KEY,
      sseMaxLifetimeMs: /^0+(ms|s|m|h|d)?$/.test(env.MCP_SSE_MAX_LIFETIME) ? 0 : parseDurationMs(env.MCP_SSE_MAX_LIFETIME),
    },
    documentQuotaBytes: env.DOCUMENT_QUOTA_BYTES,
    logLevel: env.LOG_LEVEL,
    metricsToken: env.METRICS_TOKEN,
    loopBlockWarnMs: env.LOOP_BLOCK_WARN_MS,
    passwordHashConcurrency: env.PASSWORD_HASH_CONCURRENCY ?? Math.max(1, availableParallelism() - 1),
    pressure: {
      maxEventLoopDelayMs: env.PRESSURE_MAX_EVENT_LOOP_DELAY_MS,
      maxEventLoopUtilization: env.PRESSURE_MAX_EVENT_LOOP_UTILIZATION,
      maxHeapUsedMb: env.PRESSURE_MAX_HEAP_USED_MB,
      retryAfterSeconds: env.PRESSURE_RETRY_AFTER_SECONDS,
    },
    jobs: {
      inServer: env.JOBS_IN_SERVER,
      attempts: env.JOBS_ATTEMPTS,
      backoffMs: env.JOBS_BACKOFF_MS,
      concurrency: env.JOBS_CONCURRENCY,
      pollMs: env.JOBS_POLL_MS,
      claimExpiryEveryMs: env.CLAIM_EXPIRY_INTERVAL_MS,
    },
    email: emailConfig(env),
    encryptionKeys: encryptionKeys(env),
    github: {
      apiUrl: env.GITHUB_API_URL.replace(/\/+$/, ''),
      oauthUrl: env.GITHUB_OAUTH_URL.replace(/\/+$/, ''),
      oauth:
        env.GITHUB_OAUTH_CLIENT_ID && env.GITHUB_OAUTH_CLIENT_SECRET
          ? {
              clientId: env.GITHUB_OAUTH_CLIENT_ID,
              clientSecret: env.GITHUB_OAUTH_CLIENT_SECRET,
              redirectUri: env.GITHUB_OAUTH_REDIRECT_URI ?? `${env.FRONTEND_URL.replace(/\/+$/, '')}/settings`,
            }
          : undefined,
      webhookSecret: env.GITHUB_WEBHOOK_SECRET,
      deploymentToken: env.GITHUB_TOKEN,
      requestTimeoutMs: env.GITHUB_REQUEST_TIMEOUT_MS,
      maxConcurrencyPerUser: env.GITHUB_MAX_CONCURRENCY_PER_USER,
      retryBaseMs: env.GITHUB_RETRY_BASE_MS,
    },
    raw: env,
  };
}

function emailProvider(env: Env): 'outbox' | 'smtp' | 'azure' {
  if (env.EMAIL_PROVIDER) return env.EMAIL_PROVIDER;
  if (env.SMTP_URL) return 'smtp';
  if (env.AZURE_COMMUNICATION_SERVICES_CONNECTION_STRING) return 'azure';
  return 'outbox';
}

function emailConfig(env: Env): EmailConfig {
  const provider = emailProvider(env);
  if (provider === 'smtp') return { provider, from: env.EMAIL_FROM, smtpUrl: env.SMTP_URL! };
  if (provider === 'azure') {
    return {
      provider,
      from: env.EMAIL_FROM,
      connectionString: env.AZURE_COMMUNICATION_SERVICES_CONNECTION_STRING!,
      senderAddress: env.AZURE_EMAIL_SENDER_ADDRESS!,
    };
  }
  return { provider, from: env.EMAIL_FROM, outboxDir: resolve(env.DATA_DIR, 'outbox') };
}

/** `ENCRYPTION_KEYS` (`kid:base64`, …), else the single `GITHUB_OAUTH_ENCRYPTION_KEY` under the id `oauth`. */
function encryptionKeys(env: Env): EncryptionKey[] {
  if (env.ENCRYPTION_KEYS) {
    return env.ENCRYPTION_KEYS.split(',').map((entry) => {
      const at = entry.indexOf(':');
      return { id: entry.slice(0, at), key: Buffer.from(entry.slice(at + 1), 'base64') };
    });
  }
  if (env.GITHUB_OAUTH_ENCRYPTION_KEY) return [{ id: 'oauth', key: Buffer.from(env.GITHUB_OAUTH_ENCRYPTION_KEY, 'base64') }];
  return [];
}

function encryptionKeyProblems(env: Env): string[] {
  const problems: string[] = [];
  const keys = encryptionKeys(env);
  const name = env.ENCRYPTION_KEYS ? 'ENCRYPTION_KEYS' : 'GITHUB_OAUTH_ENCRYPTION_KEY';
  const seen = new Set<string>();
  for (const { id, key } of keys) {
    if (key.length !== 32) problems.push(`${name}: key "${id}" must be 32 bytes, base64-encoded (got ${key.length} bytes)`);
    if (seen.has(id)) problems.push(`${name}: key id "${id}" appears twice`);
    seen.add(id);
  }
  if (env.NODE_ENV === 'production' && keys.length === 0) {
    problems.push('ENCRYPTION_KEYS: required when NODE_ENV=production (GitHub tokens are stored encrypted with it); `kid:base64(32 bytes)`');
  }
  return problems;
}

function crossFieldProblems(env: Env): string[] {
  const problems: string[] = [...encryptionKeyProblems(env)];
  if (Boolean(env.GITHUB_OAUTH_CLIENT_ID) !== Boolean(env.GITHUB_OAUTH_CLIENT_SECRET)) {
    problems.push('GITHUB_OAUTH_CLIENT_ID and GITHUB_OAUTH_CLIENT_SECRET must be set together');
  }
  if (Boolean(env.INTRACKER_ADMIN_EMAIL) !== Boolean(env.INTRACKER_ADMIN_PASSWORD)) {
    problems.push('INTRACKER_ADMIN_EMAIL and INTRACKER_ADMIN_PASSWORD must be set together');
  }
  const provider = emailProvider(env);
  if (provider === 'smtp' && !env.SMTP_URL) problems.push('SMTP_URL: required when EMAIL_PROVIDER=smtp');
  if (provider === 'azure') {
    for (const name of ['AZURE_COMMUNICATION_SERVICES_CONNECTION_STRING', 'AZURE_EMAIL_SENDER_ADDRESS'] as const) {
      if (!env[name]) problems.push(`${name}: required when EMAIL_PROVIDER=azure`);
    }
  }
  if (env.NODE_ENV === 'production') {
    for (const name of ['JWT_SECRET', 'JWT_REFRESH_SECRET'] as const) {
      if (!env[name]) problems.push(`${name}: required when NODE_ENV=production (at least 32 characters)`);
    }
    if (env.JWT_SECRET && env.JWT_SECRET === env.JWT_REFRESH_SECRET) {
      problems.push('JWT_REFRESH_SECRET: must differ from JWT_SECRET');
    }
  }
  return problems;
}
