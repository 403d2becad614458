import type { ELEMENT_STATUSES } from '../enums.js';

export type ElementStatus = (typeof ELEMENT_STATUSES)[number];
type WorkStatus = 'new' | 'in_progress' | 'done' | 'tested';

/**
 * An element's status from what it contains: its own todos and its children's
 * statuses, with `tested` counting as done. Undefined when it contains nothing, so
 * a manually set status stays. An element already `tested` stays tested while
 * everything in it is done: testing is only ever set by hand.
 */
export function rolledUpStatus(current: ElementStatus, contents: WorkStatus[]): ElementStatus | undefined {
  return rolledUpFromTally(current, tallyContents(contents));
}

/** How an element's contents (its todos and child elements) stand, counted. */
export interface ContentTally {
  total: number;
  /** done or tested */
  done: number;
  inProgress: number;
}

export function tallyContents(contents: readonly WorkStatus[]): ContentTally {
  return {
    total: contents.length,
    done: contents.filter((status) => status === 'done' || status === 'tested').length,
    inProgress: contents.filter((status) => status === 'in_progress').length,
  };
}

/** The same rule over counts, as the database reports them. */
export function rolledUpFromTally(current: ElementStatus, tally: ContentTally): ElementStatus | undefined {
  if (tally.total === 0) return undefined;
  if (tally.done === tally.total) return current === 'tested' ? 'tested' : 'done';
  if (tally.done > 0 || tally.inProgress > 0) return 'in_progress';
  return 'new';
}

export const PARENT_NOT_IN_PROJECT = "Parent element not found or doesn't belong to project";
export const PARENT_CYCLE = 'Circular parent reference: an element cannot be moved under itself or one of its descendants';
export const SELF_DEPENDENCY = 'Element cannot depend on itself';
export const CIRCULAR_DEPENDENCY = 'Circular dependency detected';
export const DUPLICATE_DEPENDENCY = 'Dependency already exists';
export const CROSS_PROJECT_DEPENDENCY = 'Elements must belong to the same project';

export interface TreeNode<T> {
  item: T;
  children: TreeNode<T>[];
}

/**
 * Nests rows by `parentId` in one pass. Rows come in sibling order (the caller sorts
 * them), and children keep that order. A row whose parent is not among the rows
 * becomes a root, so a partial list still shows everything it was given.
 */
export function assembleTree<T extends { id: string; parentId: string | null }>(rows: readonly T[]): TreeNode<T>[] {
  const nodes = new Map<string, TreeNode<T>>();
  for (const row of rows) nodes.set(row.id, { item: row, children: [] });
  const roots: TreeNode<T>[] = [];
  for (const row of rows) {
    const node = nodes.get(row.id)!;
    const parent = row.parentId === null ? undefined : nodes.get(row.parentId);
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}
