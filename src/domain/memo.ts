import { LRUCache } from 'lru-cache';
import type { projects } from '../db/schema.js';
import { MemoMap } from '../infra/memo-map.js';
import type { TodoRow } from './todos/queries.js';
import type { UserRole } from './users/rules.js';

/** What an access decision needs to know of a user. */
export interface ActorRecord {
  id: string;
  email: string;
  role: UserRole;
  isActive: boolean;
}

export type MemberRole = 'team_leader' | 'member';
export type ProjectRecord = typeof projects.$inferSelect;

/** A read model rendered once and served as it is until its project moves on. */
export interface RenderedView {
  /** The project's `event_seq` the view was rendered at. */
  seq: number;
  etag: string;
  body: string;
}

const TRUST_MS = 60_000;

/**
 * The facts every authenticated request needs — who the caller is, which teams they
 * belong to with which role, and which team a project is in — kept in this process,
 * bounded, and invalidated by the domain events that change them (see
 * events/memo-invalidation.ts). With them the access decision costs a few map
 * look-ups instead of two queries.
 *
 * A project's row carries `event_seq`, the number of its last event, so a kept row
 * is known to be current as long as no event with a higher number has been seen;
 * rendered views (the element tree, feature lists) are keyed by that number too.
 */
export class DomainMemo {
  readonly actors = new MemoMap<string, ActorRecord | undefined>({ max: 20_000, ttlMs: TRUST_MS });
  /** team id → the user's role there, per user. */
  readonly memberships = new MemoMap<string, ReadonlyMap<string, MemberRole>>({ max: 20_000, ttlMs: TRUST_MS });
  readonly projects = new MemoMap<string, ProjectRecord | undefined>({ max: 20_000, ttlMs: TRUST_MS });
  /**
   * Todos as this process last wrote them: a write starts from the kept row
   * instead of reading it, and its compare-and-swap on `version` tells whether the
   * row was still current. Only ever a guess (todos/service.ts): anything that does
   * not go through — a failed check, a swap that finds another version — reads the
   * row again and decides on that.
   */
  readonly todos = new MemoMap<string, TodoRow>({
    max: 10_000,
    ttlMs: TRUST_MS,
    // Texts may be long: bounded by what they hold, not only by count.
    maxBytes: { max: 32 * 1024 * 1024, size: (todo) => 512 + 2 * (todo.title.length + (todo.description?.length ?? 0) + (todo.blockerReason?.length ?? 0)) },
  });
  private readonly views = new LRUCache<string, RenderedView>({
    // Bounded by bytes: a tree of 1,000 todos renders to ~80 KB.
    maxSize: 64 * 1024 * 1024,
    sizeCalculation: (view) => view.body.length + 64,
    ttl: TRUST_MS,
  });

  /** A rendered view of `kind` for the project at `seq`, if one is kept. */
  view(kind: string, projectId: string, seq: number): RenderedView | undefined {
    const view = this.views.get(`${kind}:${projectId}`);
    return view && view.seq === seq ? view : undefined;
  }

  keepView(kind: string, projectId: string, view: RenderedView): void {
    const key = `${kind}:${projectId}`;
    const kept = this.views.get(key);
    // Two renders racing: the one of the later project state stays.
    if (!kept || kept.seq <= view.seq) this.views.set(key, view);
  }

  /**
   * A project moved on to event `seq` (undefined: unnumbered, e.g. its deletion): a
   * kept row of an earlier state is stale. When the event is the very next one and
   * of a kind that leaves the project's own row as it was (`rowUnchanged`: a todo or
   * feature change), the kept row only learns the new number, so the writes that
   * follow find it without a query. Views need nothing: they are served only for the
   * number of the row as it is now, and age out.
   */
  projectAdvanced(projectId: string, seq: number | undefined, rowUnchanged = false): void {
    const row = this.projects.peek(projectId);
    if (row && seq !== undefined && row.eventSeq >= seq) return;
    if (row && seq !== undefined && rowUnchanged && row.eventSeq === seq - 1) {
      this.projects.update(projectId, (kept) => (kept ? { ...kept, eventSeq: seq } : kept));
      return;
    }
    this.projects.invalidate(projectId);
  }

  /** A todo moved on to `version` (undefined: deleted, or not known): a kept row of an earlier one is stale. */
  todoAdvanced(todoId: string, version: number | undefined): void {
    const row = this.todos.peek(todoId);
    if (version === undefined || !row || row.version < version) this.todos.invalidate(todoId);
  }

  forgetUser(userId: string): void {
    this.actors.invalidate(userId);
    this.memberships.invalidate(userId);
  }

  /** Everything, e.g. when invalidations may have been missed. */
  clear(): void {
    this.actors.clear();
    this.todos.clear();
    this.memberships.clear();
    this.projects.clear();
    this.views.clear();
  }
}
