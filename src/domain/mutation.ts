import { eq, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { activity, projects } from '../db/schema.js';
import type { DomainEvent, PendingEvent } from '../events/types.js';
import type { ServiceContext } from './context.js';

export interface ActivityEntry {
  action: string;
  entityType: string;
  entityId: string;
  teamId?: string | null | undefined;
  projectId?: string | null | undefined;
  before?: unknown;
  after?: unknown;
}

/** Collects what a mutation did, to be written and published by `mutate`. */
export interface MutationRecorder {
  /** An audit-log row, written in the mutation's own transaction. */
  activity(entry: ActivityEntry): void;
  /**
   * A domain event, published only once the transaction has committed. Its project
   * `seq` is taken right away, in the transaction (so record a deletion's event
   * before deleting the project's row).
   */
  event(event: PendingEvent): Promise<void>;
}

/**
 * The one way a domain change happens (ARCHITECTURE.md §2): `work` runs in a
 * transaction and records what it did; the activity rows and each project event's
 * `seq` are written in that same transaction; the events are published after commit,
 * so nobody ever hears of a change that was rolled back.
 */
export async function mutate<T>(ctx: ServiceContext, work: (tx: Tx, record: MutationRecorder) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await attemptMutation(ctx, work);
    } catch (error) {
      // PostgreSQL aborts one side of a deadlock or serialization conflict; the work
      // was rolled back whole and nothing was published, so running it again is safe.
      if (attempt >= MAX_ATTEMPTS || !isRetryableConflict(error)) throw error;
    }
  }
}

const MAX_ATTEMPTS = 3;

function isRetryableConflict(error: unknown): boolean {
  for (let current: unknown = error; current && typeof current === 'object'; current = (current as { cause?: unknown }).cause) {
    const code = (current as { code?: unknown }).code;
    if (code === '40P01' || code === '40001') return true;
  }
  return false;
}

async function attemptMutation<T>(ctx: ServiceContext, work: (tx: Tx, record: MutationRecorder) => Promise<T>): Promise<T> {
  const activities: ActivityEntry[] = [];
  const committed: DomainEvent[] = [];
  const result = await ctx.db.transaction(async (tx) => {
    const recorder: MutationRecorder = {
      activity: (entry) => {
        activities.push(entry);
      },
      event: async (event) => {
        committed.push({ ...event, actorId: ctx.actor.id, seq: await nextSeq(tx, event.projectId), at: new Date() });
      },
    };
    const value = await work(tx, recorder);
    if (activities.length > 0) {
      await tx.insert(activity).values(
        activities.map((entry) => ({
          actorId: ctx.actor.id,
          action: entry.action,
          entityType: entry.entityType,
          entityId: entry.entityId,
          teamId: entry.teamId ?? null,
          projectId: entry.projectId ?? null,
          before: entry.before ?? null,
          after: entry.after ?? null,
        })),
      );
    }
    return value;
  });
  ctx.events.publish(committed);
  return result;
}

/**
 * The project's next event number. The row lock it takes lasts until commit, so a
 * project's events get gap-free numbers in commit order.
 */
async function nextSeq(tx: Tx, projectId: string | undefined): Promise<number | undefined> {
  if (!projectId) return undefined;
  const [row] = await tx
    .update(projects)
    // updated_at is kept: numbering an event is not a change to the project.
    .set({ eventSeq: sql`${projects.eventSeq} + 1`, updatedAt: sql`${projects.updatedAt}` })
    .where(eq(projects.id, projectId))
    .returning({ seq: projects.eventSeq });
  return row?.seq;
}
