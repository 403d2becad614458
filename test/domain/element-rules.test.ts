import { describe, expect, it } from 'vitest';
import { assembleTree, rolledUpStatus } from '../../src/domain/elements/rules.js';

describe('element status roll-up', () => {
  it('leaves the status alone when the element contains nothing', () => {
    expect(rolledUpStatus('tested', [])).toBeUndefined();
    expect(rolledUpStatus('in_progress', [])).toBeUndefined();
  });

  it('is new while nothing has started', () => {
    expect(rolledUpStatus('done', ['new', 'new'])).toBe('new');
  });

  it('is in progress once anything started or finished, but not everything', () => {
    expect(rolledUpStatus('new', ['new', 'in_progress'])).toBe('in_progress');
    expect(rolledUpStatus('new', ['new', 'done'])).toBe('in_progress');
    expect(rolledUpStatus('done', ['tested', 'new'])).toBe('in_progress');
    expect(rolledUpStatus('tested', ['done', 'in_progress'])).toBe('in_progress');
  });

  it('is done when everything is done, counting tested children as done', () => {
    expect(rolledUpStatus('new', ['done', 'done'])).toBe('done');
    expect(rolledUpStatus('in_progress', ['tested', 'done'])).toBe('done');
    expect(rolledUpStatus('new', ['tested'])).toBe('done');
  });

  it('keeps a tested element tested while everything in it is done', () => {
    expect(rolledUpStatus('tested', ['done', 'tested'])).toBe('tested');
  });
});

describe('element tree assembly', () => {
  const row = (id: string, parentId: string | null = null) => ({ id, parentId });

  it('nests children under their parents and keeps the given sibling order', () => {
    const tree = assembleTree([row('b'), row('a'), row('b2', 'b'), row('b1', 'b'), row('b2x', 'b2')]);
    const ids = (nodes: typeof tree): unknown[] => nodes.map((node) => [node.item.id, ids(node.children)]);
    expect(ids(tree)).toEqual([
      ['b', [['b2', [['b2x', []]]], ['b1', []]]],
      ['a', []],
    ]);
  });

  it('places a child before its parent in the input correctly', () => {
    const tree = assembleTree([row('child', 'parent'), row('parent')]);
    expect(tree).toHaveLength(1);
    expect(tree[0]!.children.map((node) => node.item.id)).toEqual(['child']);
  });

  it('makes a row whose parent is missing a root', () => {
    expect(assembleTree([row('orphan', 'gone')]).map((node) => node.item.id)).toEqual(['orphan']);
  });

  it('builds a large tree in linear time', () => {
    const rows = [row('n0')];
    for (let index = 1; index < 50_000; index += 1) rows.push(row(`n${index}`, `n${Math.floor((index - 1) / 3)}`));
    const started = performance.now();
    const tree = assembleTree(rows);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(tree).toHaveLength(1);
    expect(tree[0]!.children).toHaveLength(3);
  });
});
