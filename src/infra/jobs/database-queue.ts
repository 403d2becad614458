import { and, count, desc, eq, gte, inArray, lt, lte, or, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/client.js';
import { jobs } from '../../db/schema.js';
import {
  JOBS_CLOSE_WAIT_MS,
  type JobHandlers,
  type JobName,
  type JobPayloads,
  type JobState,
  type JobView,
  type Jobs,
  type JobsObserver,
  type JobsOptions,
  type RepeatableJob,
  backoffDelay,
  errorText,
  runOnce,
} from './types.js';

type JobRow = typeof jobs.$inferSelect;

/**
 * How long a consumer holds a job. A consumer that dies mid-run leaves the row
 * `active`; once this passes another consumer takes it again (as a new try).
 */
const LOCK_SECONDS = 300;

/**
 * The queue without Redis: rows in the `jobs` table, claimed with
 * `FOR UPDATE SKIP LOCKED` so several processes on one PostgreSQL never take the same
 * job. A restart loses nothing: queued rows wait in the database.
 */
export class DatabaseJobs implements Jobs {
  readonly kind = 'database' as const;
  private handlers: JobHandlers | undefined;
  private timer: NodeJS.Timeout | undefined;
  private repeatTimers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<void>>();
  private currentPoll: Promise<void> | undefined;
  /** Woken while a poll ran: poll again right after it instead of after `pollMs`. */
  private wokenDuringPoll = false;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly options: JobsOptions & { pollMs: number },
    private readonly observer: JobsObserver,
    private readonly log: FastifyBaseLogger,
  ) {}

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N]): Promise<string> {
    const [row] = await this.db
      .insert(jobs)
      .values({ name, payload, maxAttempts: this.options.attempts })
      .returning({ id: jobs.id });
    this.wake();
    return row!.id;
  }

  async start(handlers: JobHandlers, repeatable: readonly RepeatableJob[]): Promise<void> {
    this.handlers = handlers;
    for (const job of repeatable) {
      const timer = setInterval(() => {
        this.enqueueUnlessPending(job.name).catch((error: unknown) => this.log.warn({ err: error, job: job.name }, 'could not schedule a repeatable job'));
      }, job.everyMs);
      timer.unref();
      this.repeatTimers.push(timer);
    }
    this.wake();
  }

  /** One pending run of a repeatable job is enough, however many instances schedule it. */
  private async enqueueUnlessPending(name: JobName): Promise<void> {
    await this.db.execute(sql`
      insert into ${jobs} (name, payload, max_attempts)
      select ${name}, '{}'::jsonb, ${this.options.attempts}
      where not exists (select 1 from ${jobs} where ${jobs.name} = ${name} and ${jobs.state} in ('queued', 'active'))`);
    this.wake();
  }

  private wake(delayMs = 0): void {
    if (!this.handlers || this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.currentPoll) {
        this.wokenDuringPoll = true;
        return;
      }
      this.currentPoll = this.poll().finally(() => {
        this.currentPoll = undefined;
        const again = this.wokenDuringPoll;
        this.wokenDuringPoll = false;
        this.wake(again ? 0 : this.options.pollMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    if (this.closed) return;
    try {
      const free = this.options.concurrency - this.running.size;
      if (free > 0) {
        for (const row of await this.claim(free)) this.track(this.execute(row));
      }
    } catch (error) {
      this.log.warn({ err: error }, 'job queue: could not claim jobs');
    }
  }

  private track(task: Promise<void>): void {
    this.running.add(task);
    void task.finally(() => {
      this.running.delete(task);
      this.wake();
    });
  }

  private async claim(limit: number): Promise<JobRow[]> {
    // A job whose consumer died mid-run on its last try is dead-lettered, not taken again:
    // one that kills its process every time would otherwise run forever (BullMQ's
    // stalled-job limit does the same on Redis).
    await this.db
      .update(jobs)
      .set({ state: 'failed', lockedUntil: null, lastError: 'the process running it stopped before it finished, on every try', failedAt: sql`now()` })
      .where(and(eq(jobs.state, 'active'), lt(jobs.lockedUntil, sql`now()`), gte(jobs.attempts, jobs.maxAttempts)));
    const due = this.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(
        or(
          and(eq(jobs.state, 'queued'), lte(jobs.runAt, sql`now()`)),
          and(eq(jobs.state, 'active'), lt(jobs.lockedUntil, sql`now()`)),
        ),
      )
      .orderBy(jobs.runAt)
      .limit(limit)
      .for('update', { skipLocked: true });
    return this.db
      .update(jobs)
      .set({ state: 'active', attempts: sql`${jobs.attempts} + 1`, lockedUntil: sql`now() + make_interval(secs => ${LOCK_SECONDS})` })
      .where(inArray(jobs.id, due))
      .returning();
  }

  private async execute(row: JobRow): Promise<void> {
    const run = { id: row.id, attempt: row.attempts, maxAttempts: row.maxAttempts };
    const { outcome, error } = await runOnce(this.handlers!, row.name as JobName, row.payload as never, run, this.observer);
    try {
      if (outcome === 'completed') {
        await this.db.delete(jobs).where(eq(jobs.id, row.id));
      } else if (outcome === 'retry') {
        const delayMs = backoffDelay(this.options.backoffMs, row.attempts);
        await this.db
          .update(jobs)
          .set({ state: 'queued', lockedUntil: null, lastError: errorText(error), runAt: sql`now() + make_interval(secs => ${delayMs / 1000})` })
          .where(eq(jobs.id, row.id));
        this.log.warn({ err: error, job: row.name, id: row.id, attempt: row.attempts }, 'job failed; it will be retried');
      } else {
        await this.db
          .update(jobs)
          .set({ state: 'failed', lockedUntil: null, lastError: errorText(error), failedAt: sql`now()` })
          .where(eq(jobs.id, row.id));
        this.log.error({ err: error, job: row.name, id: row.id, attempt: row.attempts }, 'job failed for good: dead-lettered');
      }
    } catch (recordError) {
      // The lock expires and the job runs again: at least once, never lost.
      this.log.error({ err: recordError, id: row.id }, 'job queue: could not record a job outcome');
    }
  }

  async list(state: JobState, window: { offset: number; limit: number }): Promise<{ jobs: JobView[]; total: number }> {
    const [rows, [totals]] = await Promise.all([
      this.db.select().from(jobs).where(eq(jobs.state, state)).orderBy(desc(jobs.updatedAt), desc(jobs.id)).limit(window.limit).offset(window.offset),
      this.db.select({ total: count() }).from(jobs).where(eq(jobs.state, state)),
    ]);
    return { jobs: rows.map(view), total: totals?.total ?? 0 };
  }

  async counts(): Promise<Record<JobState, number>> {
    const rows = await this.db.select({ state: jobs.state, total: count() }).from(jobs).groupBy(jobs.state);
    const result: Record<JobState, number> = { queued: 0, active: 0, failed: 0 };
    for (const row of rows) result[row.state as JobState] = row.total;
    return result;
  }

  async retry(id: string): Promise<JobView | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const [row] = await this.db
      .update(jobs)
      .set({ state: 'queued', attempts: 0, runAt: sql`now()`, failedAt: null })
      .where(and(eq(jobs.id, id), eq(jobs.state, 'failed')))
      .returning();
    this.wake();
    return row ? view(row) : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const timer of this.repeatTimers) clearInterval(timer);
    await this.currentPoll;
    if (this.running.size === 0) return;
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running]),
      new Promise((resolve) => {
        timeout = setTimeout(resolve, JOBS_CLOSE_WAIT_MS);
      }),
    ]);
    clearTimeout(timeout);
  }
}

function view(row: JobRow): JobView {
  return {
    id: row.id,
    name: row.name,
    state: row.state as JobState,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    lastError: row.lastError,
    payload: row.payload,
    createdAt: row.createdAt,
    failedAt: row.failedAt,
  };
}
