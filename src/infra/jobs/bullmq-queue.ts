import { Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import {
  type JobHandlers,
  type JobName,
  type JobPayloads,
  JOBS_CLOSE_WAIT_MS,
  JobQueueUnavailable,
  type JobState,
  type JobView,
  type Jobs,
  type JobsObserver,
  type JobsOptions,
  type RepeatableJob,
  errorText,
  isPermanent,
  runOnce,
} from './types.js';

const QUEUE_NAME = 'jobs';
/** BullMQ waits for Redis without limit; a request enqueueing an email (or a scrape) must not. */
const ENQUEUE_TIMEOUT_MS = 3000;
const READ_TIMEOUT_MS = 2000;

/** `promise`, or a rejection naming `what` after `ms` (the promise itself runs on). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new JobQueueUnavailable(`${what} did not finish within ${ms} ms (is Redis reachable?)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
const BULL_STATES: Record<JobState, ('waiting' | 'delayed' | 'prioritized' | 'active' | 'failed')[]> = {
  queued: ['waiting', 'delayed', 'prioritized'],
  active: ['active'],
  failed: ['failed'],
};

/**
 * The queue on Redis: BullMQ keeps waiting, delayed (retry backoff) and failed jobs
 * there, so every instance and `intracker worker` share one queue and a restart
 * loses nothing. BullMQ's `failed` state is the dead-letter list (removeOnFail off).
 */
export class BullJobs implements Jobs {
  readonly kind = 'bullmq' as const;
  private readonly queue: Queue;
  /**
   * The queue's own connection, made here rather than by BullMQ: a BullMQ-made one that
   * never reached Redis cannot be closed (close and disconnect wait for it forever).
   */
  private readonly connection: Redis;
  private worker: Worker | undefined;
  /** Whether Redis ever answered: a queue that never connected has nothing to finish on close. */
  private connected = false;
  private lastWarnAt = 0;

  constructor(
    private readonly redis: { url: string; prefix: string },
    private readonly options: JobsOptions,
    private readonly observer: JobsObserver,
    private readonly log: FastifyBaseLogger,
  ) {
    this.connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    this.connection.on('error', () => {
      // Reported by the queue's own error listener below (and by the app's Redis listener).
    });
    this.queue = new Queue(QUEUE_NAME, {
      connection: this.connection,
      prefix: redis.prefix,
      defaultJobOptions: {
        attempts: options.attempts,
        backoff: { type: 'exponential', delay: options.backoffMs },
        removeOnComplete: true,
        removeOnFail: false,
      },
    });
    this.queue.on('error', (error) => this.warnThrottled(error, 'job queue (Redis) error'));
    this.queue.waitUntilReady().then(
      () => (this.connected = true),
      () => {},
    );
  }

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N]): Promise<string> {
    // On timeout the add may still go through once Redis is back: the email then goes
    // out late rather than never, and its success clears the recorded error.
    // Known to be down (reconnecting): fail now; still connecting: give it a moment.
    if (['reconnecting', 'close', 'end'].includes(this.connection.status)) throw new JobQueueUnavailable('Redis is not connected');
    const job = await within(this.queue.add(name, payload), ENQUEUE_TIMEOUT_MS, 'queueing a job');
    return job.id!;
  }

  async start(handlers: JobHandlers, repeatable: readonly RepeatableJob[]): Promise<void> {
    for (const job of repeatable) {
      // Keyed by name: every instance upserts the same scheduler, so it runs once per period.
      // Not awaited: with Redis down at start-up the server starts anyway, and BullMQ
      // sends the upsert once it connects.
      this.queue
        .upsertJobScheduler(job.name, { every: job.everyMs }, { name: job.name, data: {} })
        .catch((error: unknown) => this.log.warn({ err: error, job: job.name }, 'could not schedule a repeatable job'));
    }
    this.worker = new Worker(
      QUEUE_NAME,
      async (job: Job) => {
        const run = { id: job.id!, attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? this.options.attempts };
        const { outcome, error } = await runOnce(handlers, job.name as JobName, job.data as never, run, this.observer);
        if (outcome === 'completed') return;
        if (outcome === 'retry') this.log.warn({ err: error, job: job.name, id: job.id, attempt: run.attempt }, 'job failed; it will be retried');
        else this.log.error({ err: error, job: job.name, id: job.id, attempt: run.attempt }, 'job failed for good: dead-lettered');
        // BullMQ skips the remaining tries only for UnrecoverableError.
        if (isPermanent(error)) throw new UnrecoverableError(errorText(error));
        throw error instanceof Error ? error : new Error(errorText(error));
      },
      { connection: { url: this.redis.url, maxRetriesPerRequest: null }, prefix: this.redis.prefix, concurrency: this.options.concurrency },
    );
    this.worker.on('error', (error) => this.warnThrottled(error, 'job worker (Redis) error'));
  }

  /** While Redis is down every reconnect fails; one warning per 30 s says enough. */
  private warnThrottled(error: unknown, message: string): void {
    if (Date.now() - this.lastWarnAt < 30_000) return;
    this.lastWarnAt = Date.now();
    this.log.warn({ err: error }, `${message} (repeats are silenced for 30 s)`);
  }

  async list(state: JobState, window: { offset: number; limit: number }): Promise<{ jobs: JobView[]; total: number }> {
    if (['reconnecting', 'close', 'end'].includes(this.connection.status)) throw new JobQueueUnavailable('Redis is not connected');
    const types = BULL_STATES[state];
    const [found, total] = await within(
      Promise.all([this.queue.getJobs(types, window.offset, window.offset + window.limit - 1, false), this.queue.getJobCountByTypes(...types)]),
      READ_TIMEOUT_MS,
      'listing jobs',
    );
    return { jobs: found.filter(Boolean).map((job) => view(job as Job, state, this.options.attempts)), total };
  }

  async counts(): Promise<Record<JobState, number>> {
    // Asked on every scrape: with Redis away, answer at once rather than hold /metrics.
    if (this.connection.status !== 'ready') throw new JobQueueUnavailable('Redis is not connected');
    const counts = await within(this.queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active', 'failed'), READ_TIMEOUT_MS, 'counting jobs');
    return {
      queued: (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      failed: counts.failed ?? 0,
    };
  }

  async retry(id: string): Promise<JobView | undefined> {
    const job = await within(Job.fromId(this.queue, id), READ_TIMEOUT_MS, 'reading a job');
    if (!job || (await within(job.getState(), READ_TIMEOUT_MS, 'reading a job')) !== 'failed') return undefined;
    await within(job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true }), READ_TIMEOUT_MS, 'retrying a job');
    return view(job, 'queued', this.options.attempts);
  }

  async close(): Promise<void> {
    if (this.connected) {
      // Worker.close waits for the jobs it is running to finish.
      const graceful = Promise.all([this.worker?.close(), this.queue.close()]);
      if (await within(graceful, JOBS_CLOSE_WAIT_MS, 'closing the job queue').then(() => true, () => false)) {
        this.connection.disconnect();
        return;
      }
    }
    // Never connected (or Redis went away): nothing to wait for, drop the connections.
    // A worker whose own connection never reached Redis can wait on it forever: bounded too.
    if (this.worker) await within(this.worker.close(true), 1000, 'closing the job worker').catch(() => {});
    this.connection.disconnect();
    await within(this.queue.close(), 1000, 'closing the job queue').catch(() => {});
  }
}

function view(job: Job, state: JobState, attempts: number): JobView {
  return {
    id: job.id!,
    name: job.name,
    state,
    attempts: job.attemptsMade,
    maxAttempts: job.opts.attempts ?? attempts,
    lastError: job.failedReason || null,
    payload: job.data,
    createdAt: new Date(job.timestamp),
    failedAt: state === 'failed' && job.finishedOn ? new Date(job.finishedOn) : null,
  };
}
