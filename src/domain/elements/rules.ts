import type { ELEMENT_STATUSES } from '../../db/schema.js';

export type ElementStatus = (typeof ELEMENT_STATUSES)[number];
type WorkStatus = 'new' | 'in_progress' | 'done' | 'tested';

/**
 * An element's status from what it contains: its own todos and its children's
 * statuses, with `tested` counting as done. Undefined when it contains nothing, so
 * a manually set status stays. An element already `tested` stays tested while
 * everything in it is done: testing is only ever set by hand.
 */
export function rolledUpStatus(current: ElementStatus, contents: WorkStatus[]): ElementStatus | undefined {
  if (contents.length === 0) return undefined;
  const done = contents.filter((status) => status === 'done' || status === 'tested').length;
  if (done === contents.length) return current === 'tested' ? 'tested' : 'done';
  if (done > 0 || contents.includes('in_progress')) return 'in_progress';
  return 'new';
}
