import { inArray, sql } from 'drizzle-orm';
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
  /** A domain event, numbered at the end of the transaction and published after commit. */
  event(event: PendingEvent): void;
}

/**
 * The one way a domain change happens (ARCHITECTURE.md §2): `work` runs in a
 * transaction and records what it did; the activity rows and each project event's
 * `seq` are written at the end of that same transaction; the events are published
 * after commit, so nobody ever hears of a change that was rolled back.
 *
 * Numbering takes the project row's lock, which serialises the project's writers
 * from there to commit: that is what makes `seq` gap-free and in commit order. It
 * is taken last, and together with the activity insert in one round trip, so a
 * write holds it for as short a time as possible.
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
  let committed: DomainEvent[] = [];
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
    const [seqs] = await Promise.all([numberEvents(tx, pending), writeActivity(tx, ctx.actor.id, activities)]);
    const at = new Date();
    committed = pending.map((event, index) => ({ ...event, actorId: ctx.actor.id, seq: seqs[index], at }));
    return value;
  });
  ctx.events.publish(committed);
  return result;
}

/**
 * Each project event's `seq`: one UPDATE for every project the mutation touched
 * (usually one). A project deleted by this very mutation has no row left, and its
 * events no number.
 */
async function numberEvents(tx: Tx, events: readonly PendingEvent[]): Promise<(number | undefined)[]> {
  const perProject = new Map<string, number>();
  for (const event of events) if (event.projectId) perProject.set(event.projectId, (perProject.get(event.projectId) ?? 0) + 1);
  if (perProject.size === 0) return events.map(() => undefined);
  const increments = sql.join(
    [...perProject].map(([projectId, count]) => sql`when ${projects.id} = ${projectId}::uuid then ${count}::int`),
    sql` `,
  );
  const rows = await tx
    .update(projects)
    // updated_at is kept: numbering an event is not a change to the project.
    .set({ eventSeq: sql`${projects.eventSeq} + (case ${increments} else 0 end)`, updatedAt: sql`${projects.updatedAt}` })
    .where(inArray(projects.id, [...perProject.keys()]))
    .returning({ id: projects.id, seq: projects.eventSeq });
  // The first number of each project's batch: its new last number minus the batch.
  const next = new Map(rows.map((row) => [row.id, row.seq - perProject.get(row.id)! + 1]));
  return events.map((event) => {
    if (!event.projectId) return undefined;
    const seq = next.get(event.projectId);
    if (seq !== undefined) next.set(event.projectId, seq + 1);
    return seq;
  });
}

async function writeActivity(tx: Tx, actorId: string, entries: readonly ActivityEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx.insert(activity).values(
    entries.map((entry) => ({
      actorId,
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

/**
 * Takes the project's write lock now rather than at numbering time: for changes
 * that read or recompute what other writers of the project change too (feature
 * progress, element roll-up, dependency cycles, the default element), so each sees
 * the others' committed work. Locks are taken todo rows first, then the project,
 * then features and elements, in every mutation, so writers queue and never
 * deadlock over them.
 */
export async function lockProjectWork(tx: Tx, projectId: string): Promise<void> {
  await tx.execute(sql`select 1 from ${projects} where ${projects.id} = ${projectId} for no key update`);
}
