import type { FEATURE_STATUSES } from '../enums.js';
import { RuleViolation } from '../errors.js';

export type FeatureStatus = (typeof FEATURE_STATUSES)[number];

export const FEATURE_WORKFLOW: readonly FeatureStatus[] = ['new', 'in_progress', 'done', 'tested', 'merged'];

/** How far a feature's todos are: all of them, those done. */
export interface TodoTally {
  total: number;
  done: number;
  inProgress: number;
}

/** Integer percentage, rounded down in integer arithmetic (29/50 is 58, not float's 57). */
export function progressPercentage(total: number, done: number): number {
  if (total <= 0) return 0;
  return Math.floor((done * 100) / total);
}

/** The statuses a feature may enter `tested` or `merged` from. */
const VERIFIED_FROM: Record<'tested' | 'merged', readonly FeatureStatus[]> = {
  tested: ['done', 'tested'],
  merged: ['done', 'tested', 'merged'],
};

/**
 * An explicit status change. `tested` and `merged` are the verdicts of testing and
 * merging: they need at least one todo, every todo done, and the feature already
 * `done` (or `tested`, for merged). Every other move, backward ones included, is free;
 * auto-status keeps new/in_progress/done honest as the todos move.
 */
export function checkFeatureTransition(from: FeatureStatus | undefined, to: FeatureStatus, tally: TodoTally): void {
  if (to !== 'tested' && to !== 'merged') return;
  if (from === to) return;
  if (tally.total === 0) throw new RuleViolation(`A feature needs at least one todo to become ${to}`);
  if (tally.done < tally.total) {
    throw new RuleViolation(`A feature becomes ${to} only when all its todos are done (${tally.done} of ${tally.total} are)`);
  }
  const allowed = VERIFIED_FROM[to];
  if (!from || !allowed.includes(from)) {
    throw new RuleViolation(`Cannot move a feature from ${from ?? 'nothing'} to ${to}: it must be ${allowed.filter((s) => s !== to).join(' or ')} first`);
  }
}

/**
 * The status a feature's todos imply. Only new/in_progress/done move on their own:
 * work starting makes a feature in_progress, every todo done makes it done, and a
 * done feature with unfinished work is in_progress again. `tested` and `merged` are
 * only ever set by hand, and a feature without todos keeps whatever it has.
 */
export function autoFeatureStatus(current: FeatureStatus, tally: TodoTally): FeatureStatus {
  if (current === 'tested' || current === 'merged' || tally.total === 0) return current;
  if (tally.done === tally.total) return 'done';
  const started = tally.done > 0 || tally.inProgress > 0;
  if (current === 'done') return 'in_progress';
  if (current === 'new' && started) return 'in_progress';
  return current;
}

export const FEATURE_SORTS = ['updated_at_desc', 'updated_at_asc', 'created_at_desc', 'created_at_asc', 'name_asc', 'name_desc'] as const;
export type FeatureSort = (typeof FEATURE_SORTS)[number];

/** The sort a client asked for; anything unknown falls back to the default, as before. */
export function parseFeatureSort(value: string | undefined): FeatureSort {
  return (FEATURE_SORTS as readonly string[]).includes(value ?? '') ? (value as FeatureSort) : 'updated_at_desc';
}
