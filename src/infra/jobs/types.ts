import { JOB_STATES } from '../../db/schema/jobs.js';
import type { EmailJobPayload } from '../../integrations/email/types.js';

/**
 * Every job type and its payload, in one place: `enqueue('email.send', …)` only
 * compiles with an email payload, and a handler is required for every name.
 * Payloads are JSON (they are stored in the database or in Redis).
 */
export interface JobPayloads {
  'email.send': EmailJobPayload;
  /** Repeatable: deletes refresh tokens past their expiry. */
  'maintenance.expired-tokens': Record<string, never>;
  /** Repeatable: clears todo claims whose lease has run out, so boards and rows say so. */
  'maintenance.expired-claims': Record<string, never>;
  /** A GitHub import a user started over REST (domain/github/import-jobs.ts), run as that user. */
  'github.import': GitHubImportJobPayload;
}

export interface GitHubImportJobPayload {
  userId: string;
  projectId: string;
  kind: 'issues' | 'milestones';
  options: { labels?: string[] | undefined; state?: 'open' | 'closed' | 'all' | undefined; createElements?: boolean | undefined };
}

export type JobName = keyof JobPayloads;

/** What a handler learns about the run it is in. */
export interface JobRun {
  id: string;
  /** 1 on the first try. */
  attempt: number;
  maxAttempts: number;
}

export type JobHandler<N extends JobName> = (payload: JobPayloads[N], run: JobRun) => Promise<void>;
export type JobHandlers = { [N in JobName]: JobHandler<N> };

/** A job enqueued again and again, every `everyMs`, by whichever consumer runs. */
export interface RepeatableJob {
  name: { [N in JobName]: JobPayloads[N] extends Record<string, never> ? N : never }[JobName];
  everyMs: number;
}

/**
 * Thrown (or any error with `permanent: true`) when trying again cannot help: a
 * template missing a variable, an address the provider refuses. The job goes to the
 * dead-letter list at once instead of using up its retries.
 */
export class PermanentJobError extends Error {
  readonly permanent = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

/** The queue's store (Redis) did not answer in time: the caller may try later. */
export class JobQueueUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobQueueUnavailable';
  }
}

export function isPermanent(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { permanent?: unknown }).permanent === true;
}

/** `queued` covers waiting and delayed (a retry waiting for its backoff); `failed` is the dead-letter list. */
export type JobState = (typeof JOB_STATES)[number];
/**
 * How long closing a queue lets running jobs finish: half of the server's shutdown grace
 * (main.ts, 10 s), so the database and Redis are still closed cleanly after it.
 */
export const JOBS_CLOSE_WAIT_MS = 5000;

export const JOB_LIST_STATES: readonly JobState[] = JOB_STATES;

export interface JobView {
  id: string;
  name: string;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  payload: unknown;
  createdAt: Date;
  failedAt: Date | null;
}

/** How one run ended, for metrics and logs. */
export type JobOutcome = 'completed' | 'retry' | 'dead_lettered';

export interface JobsObserver {
  started(name: string): void;
  settled(name: string, seconds: number, outcome: JobOutcome): void;
}

export interface JobsOptions {
  attempts: number;
  backoffMs: number;
  concurrency: number;
}

/**
 * The queue, on Redis (BullMQ) or in the database: the same semantics either way.
 * Enqueueing works in every process; only a process that called `start` runs jobs.
 */
export interface Jobs {
  readonly kind: 'database' | 'bullmq';
  enqueue<N extends JobName>(name: N, payload: JobPayloads[N]): Promise<string>;
  /** Begins consuming (the server by default, or `intracker worker`). */
  start(handlers: JobHandlers, repeatable: readonly RepeatableJob[]): Promise<void>;
  list(state: JobState, window: { offset: number; limit: number }): Promise<{ jobs: JobView[]; total: number }>;
  counts(): Promise<Record<JobState, number>>;
  /** Puts a dead-lettered job back in the queue with fresh tries; undefined when no failed job has that id. */
  retry(id: string): Promise<JobView | undefined>;
  /** Stops taking jobs, waits for the running ones, and disconnects. */
  close(): Promise<void>;
}

/** Delay before try `attempt + 1`: `backoffMs`, doubling each time (BullMQ's `exponential`). */
export function backoffDelay(backoffMs: number, attempt: number): number {
  return backoffMs * 2 ** Math.max(0, attempt - 1);
}

/** Runs one try and classifies it; errors never escape (the caller records the outcome). */
export async function runOnce<N extends JobName>(
  handlers: JobHandlers,
  name: N,
  payload: JobPayloads[N],
  run: JobRun,
  observer: JobsObserver,
): Promise<{ outcome: JobOutcome; error?: unknown }> {
  const handler = handlers[name] as JobHandler<N> | undefined;
  observer.started(name);
  const startedAt = performance.now();
  let result: { outcome: JobOutcome; error?: unknown };
  try {
    if (!handler) throw new PermanentJobError(`no handler for job type ${name}`);
    await handler(payload, run);
    result = { outcome: 'completed' };
  } catch (error) {
    result = { outcome: isPermanent(error) || run.attempt >= run.maxAttempts ? 'dead_lettered' : 'retry', error };
  }
  observer.settled(name, (performance.now() - startedAt) / 1000, result.outcome);
  return result;
}

export function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 2000);
}
