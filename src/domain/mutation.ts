import type { Tx } from '../db/client.js';
import { activity } from '../db/schema.js';
import type { PendingEvent } from '../events/types.js';
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
  /** A domain event, numbered and published once the transaction has committed. */
  event(event: PendingEvent): void;
}

/**
 * The one way a domain change happens (ARCHITECTURE.md §2): `work` runs in a
 * transaction and records what it did; the activity rows are written in that same
 * transaction; once it has committed, each project event gets its `seq`
 * (event-numbering.ts) and the events are published, so nobody ever hears of a
 * change that was rolled back, and a write holds no lock beyond the rows it changes.
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
  const pending: PendingEvent[] = [];
  const recorder: MutationRecorder = {
    activity: (entry) => {
      activities.push(entry);
    },
    event: (event) => {
      pending.push(event);
    },
  };
  const result = await ctx.db.transaction(async (tx) => {
    const value = await work(tx, recorder);
    await writeActivity(tx, ctx.actor.id, activities);
    return value;
  });
  await publishCommitted(ctx, pending);
  return result;
}

/**
 * Numbers and publishes the events of a change that has committed: `mutate` calls it
 * after its transaction, and a change made in one statement of its own (a todo's
 * compare-and-swap) calls it after that statement.
 */
export async function publishCommitted(ctx: ServiceContext, events: readonly PendingEvent[]): Promise<void> {
  const at = new Date();
  const seqs = await numberEvents(ctx, events);
  ctx.events.publish(events.map((event, index) => ({ ...event, actorId: ctx.actor.id, seq: seqs[index], at })));
}

/**
 * Each project event's `seq`, the project's events numbered consecutively in the
 * order they were recorded. The change has committed whatever happens here: if the
 * numbers cannot be had (the database went away), the events still go out, without
 * one, so caches and live boards hear of the change; a client that sees no `seq`
 * refetches, as it would after a gap.
 */
async function numberEvents(ctx: ServiceContext, events: readonly PendingEvent[]): Promise<(number | undefined)[]> {
  const perProject = new Map<string, number>();
  for (const event of events) if (event.projectId) perProject.set(event.projectId, (perProject.get(event.projectId) ?? 0) + 1);
  const firsts = new Map<string, number | undefined>();
  await Promise.all(
    [...perProject].map(async ([projectId, count]) => {
      firsts.set(projectId, await ctx.numbering.take(projectId, count).catch(() => undefined));
    }),
  );
  return events.map((event) => {
    if (!event.projectId) return undefined;
    const seq = firsts.get(event.projectId);
    if (seq !== undefined) firsts.set(event.projectId, seq + 1);
    return seq;
  });
}

async function writeActivity(tx: Tx, actorId: string, entries: readonly ActivityEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx.insert(activity).values(entries.map((entry) => activityRow(actorId, entry)));
}

/** The `activity` row of an entry, `actorId` having made the change. */
export function activityRow(actorId: string, entry: ActivityEntry): typeof activity.$inferInsert {
  return {
    actorId,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    teamId: entry.teamId ?? null,
    projectId: entry.projectId ?? null,
    before: entry.before ?? null,
    after: entry.after ?? null,
  };
}
