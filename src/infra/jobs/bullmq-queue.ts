import { Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import {
  type JobHandlers,
  type JobName,
  type JobPayloads,
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
  private worker: Worker | undefined;

  constructor(
    private readonly redis: { url: string; prefix: string },
    private readonly options: JobsOptions,
    private readonly observer: JobsObserver,
    private readonly log: FastifyBaseLogger,
  ) {
    this.queue = new Queue(QUEUE_NAME, {
      connection: { url: redis.url },
      prefix: redis.prefix,
      defaultJobOptions: {
        attempts: options.attempts,
        backoff: { type: 'exponential', delay: options.backoffMs },
        removeOnComplete: true,
        removeOnFail: false,
      },
    });
    this.queue.on('error', (error) => this.log.warn({ err: error }, 'job queue (Redis) error'));
  }

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N]): Promise<string> {
    const job = await this.queue.add(name, payload);
    return job.id!;
  }

  async start(handlers: JobHandlers, repeatable: readonly RepeatableJob[]): Promise<void> {
    for (const job of repeatable) {
      // Keyed by name: every instance upserts the same scheduler, so it runs once per period.
      await this.queue.upsertJobScheduler(job.name, { every: job.everyMs }, { name: job.name, data: {} });
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
    this.worker.on('error', (error) => this.log.warn({ err: error }, 'job worker (Redis) error'));
  }

  async list(state: JobState, window: { offset: number; limit: number }): Promise<{ jobs: JobView[]; total: number }> {
    const types = BULL_STATES[state];
    const [found, total] = await Promise.all([
      this.queue.getJobs(types, window.offset, window.offset + window.limit - 1, false),
      this.queue.getJobCountByTypes(...types),
    ]);
    return { jobs: found.filter(Boolean).map((job) => view(job as Job, state, this.options.attempts)), total };
  }

  async counts(): Promise<Record<JobState, number>> {
    const counts = await this.queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active', 'failed');
    return {
      queued: (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      failed: counts.failed ?? 0,
    };
  }

  async retry(id: string): Promise<JobView | undefined> {
    const job = await Job.fromId(this.queue, id);
    if (!job || (await job.getState()) !== 'failed') return undefined;
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return view(job, 'queued', this.options.attempts);
  }

  async close(): Promise<void> {
    // Worker.close waits for the jobs it is running to finish.
    await this.worker?.close();
    await this.queue.close();
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
