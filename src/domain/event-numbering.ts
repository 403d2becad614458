import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { projects } from '../db/schema.js';

interface Waiter {
  count: number;
  resolve(first: number | undefined): void;
  reject(error: unknown): void;
}

/**
 * Hands out each project's event numbers (`seq`: gap-free, one per event, in the
 * order events are published) after the mutations that made the events committed.
 *
 * Numbering inside each mutation would hold the project row's lock until that
 * mutation's commit had reached the disk, so every write of a project would wait
 * for the fsync of the one before. Here a mutation's own transaction locks only the
 * rows it changes; the numbers come from one UPDATE per project at a time, and
 * whatever asked while it ran is served by the next one together — a burst of
 * writes shares a few fsyncs instead of queueing on one each.
 */
export class EventNumbering {
  private readonly waiting = new Map<string, Waiter[]>();
  private readonly running = new Set<string>();
  private readonly advance;

  constructor(db: Db) {
    // Prepared once: this runs after every burst of writes of a project.
    this.advance = db
      .update(projects)
      // updated_at is kept: numbering an event is not a change to the project.
      .set({ eventSeq: sql`${projects.eventSeq} + ${sql.placeholder('total')}::integer`, updatedAt: sql`${projects.updatedAt}` })
      .where(eq(projects.id, sql.placeholder('projectId')))
      .returning({ last: projects.eventSeq })
      .prepare('event_numbering_advance');
  }

  /** The first of `count` consecutive numbers for the project; undefined when it no longer exists. */
  take(projectId: string, count: number): Promise<number | undefined> {
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(projectId);
      if (queue) queue.push({ count, resolve, reject });
      else this.waiting.set(projectId, [{ count, resolve, reject }]);
      if (!this.running.has(projectId)) void this.drain(projectId);
    });
  }

  private async drain(projectId: string): Promise<void> {
    this.running.add(projectId);
    try {
      for (let batch = this.waiting.get(projectId); batch && batch.length > 0; batch = this.waiting.get(projectId)) {
        this.waiting.delete(projectId);
        const total = batch.reduce((sum, waiter) => sum + waiter.count, 0);
        try {
          const [row] = await this.advance.execute({ total, projectId });
          let next = row ? row.last - total + 1 : undefined;
          for (const waiter of batch) {
            waiter.resolve(next);
            if (next !== undefined) next += waiter.count;
          }
        } catch (error) {
          for (const waiter of batch) waiter.reject(error);
        }
      }
    } finally {
      this.running.delete(projectId);
    }
  }
}
