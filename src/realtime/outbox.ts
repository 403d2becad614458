import type { HubConnection } from './connection.js';

/** How the outbox reports what it did (the hub wires these to /metrics). */
export interface OutboxObserver {
  /**
   * A message has been handed to its last recipient, `seconds` after it was queued;
   * `sent` of them took it (the others had gone or were dropped as too slow).
   */
  delivered(seconds: number, sent: number, timed: boolean): void;
}

interface Job {
  record: Buffer;
  recipients: readonly HubConnection[];
  next: number;
  sent: number;
  queuedAt: number;
  /** Group messages are timed; one-connection replies are not worth a histogram sample. */
  timed: boolean;
}

/**
 * Outgoing hub messages for many sockets, written after the current turn of the event
 * loop and a slice at a time.
 *
 * A domain event is published inside the REST request that caused it; writing its
 * frame to 10,000 sockets right there made that request (and every other one on the
 * instance) wait for all of them. Here the record is encoded once, the recipients
 * are snapshotted, and the writes happen from `setImmediate` callbacks — so the
 * HTTP answer already queued in this turn goes out first — `sliceSize` sockets per
 * callback, so requests and socket reads interleave with a large fan-out.
 *
 * One FIFO for every message keeps each connection's messages in the order they were
 * queued (a project's `seq` ascending), whichever group they came through.
 */
export class Outbox {
  private readonly jobs: Job[] = [];
  private head = 0;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly sliceSize: () => number,
    private readonly observer: OutboxObserver,
  ) {}

  /** True when nothing is waiting to be written: a send may go out directly without overtaking anything. */
  get idle(): boolean {
    return this.head === this.jobs.length;
  }

  /** Queues one pre-encoded record for `recipients` (the caller's snapshot, not a live set). */
  enqueue(record: Buffer, recipients: readonly HubConnection[], timed: boolean): void {
    if (recipients.length === 0) return;
    this.jobs.push({ record, recipients, next: 0, sent: 0, queuedAt: performance.now(), timed });
    this.schedule();
  }

  /** Resolves once everything queued so far has been written (graceful shutdown waits for it). */
  drained(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.pump());
  }

  private pump(): void {
    this.scheduled = false;
    let budget = Math.max(1, this.sliceSize());
    const now = Date.now();
    while (budget > 0 && this.head < this.jobs.length) {
      const job = this.jobs[this.head] as Job;
      const end = Math.min(job.recipients.length, job.next + budget);
      for (let i = job.next; i < end; i += 1) if ((job.recipients[i] as HubConnection).sendEncoded(job.record, now)) job.sent += 1;
      budget -= end - job.next;
      job.next = end;
      if (job.next < job.recipients.length) break;
      this.head += 1;
      this.observer.delivered((performance.now() - job.queuedAt) / 1000, job.sent, job.timed);
    }
    if (this.head < this.jobs.length) {
      // Compact now and then, not on every job: shifting a long array per message costs more than it saves.
      if (this.head > 1024) {
        this.jobs.splice(0, this.head);
        this.head = 0;
      }
      this.schedule();
      return;
    }
    this.jobs.length = 0;
    this.head = 0;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
