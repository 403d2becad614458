import { describe, expect, it } from 'vitest';
import { autoFeatureStatus, checkFeatureTransition, parseFeatureSort, progressPercentage } from '../../src/domain/features/rules.js';

const tally = (total: number, done: number, inProgress = 0) => ({ total, done, inProgress });

describe('feature progress', () => {
  it('rounds down in integer arithmetic', () => {
    expect(progressPercentage(2, 1)).toBe(50);
    expect(progressPercentage(50, 29)).toBe(58);
    expect(progressPercentage(3, 2)).toBe(66);
    expect(progressPercentage(3, 3)).toBe(100);
    expect(progressPercentage(0, 0)).toBe(0);
  });
});

describe('feature workflow', () => {
  it('lets done become tested and tested (or done) become merged when every todo is done', () => {
    expect(() => checkFeatureTransition('done', 'tested', tally(2, 2))).not.toThrow();
    expect(() => checkFeatureTransition('tested', 'merged', tally(2, 2))).not.toThrow();
    expect(() => checkFeatureTransition('done', 'merged', tally(1, 1))).not.toThrow();
  });

  it('refuses tested or merged without todos', () => {
    expect(() => checkFeatureTransition('done', 'tested', tally(0, 0))).toThrow(/at least one todo/);
  });

  it('refuses tested or merged while a todo is unfinished', () => {
    expect(() => checkFeatureTransition('done', 'tested', tally(3, 2))).toThrow(/all its todos are done \(2 of 3/);
  });

  it('refuses a skip into tested or merged from new or in_progress', () => {
    expect(() => checkFeatureTransition('in_progress', 'tested', tally(1, 1))).toThrow(/must be done first/);
    expect(() => checkFeatureTransition('new', 'merged', tally(1, 1))).toThrow(/must be done or tested first/);
  });

  it('leaves the other moves free, backward ones included', () => {
    expect(() => checkFeatureTransition('merged', 'in_progress', tally(1, 0))).not.toThrow();
    expect(() => checkFeatureTransition('new', 'done', tally(0, 0))).not.toThrow();
  });
});

describe('feature auto-status', () => {
  it('starts a new feature when work starts', () => {
    expect(autoFeatureStatus('new', tally(2, 0, 1))).toBe('in_progress');
    expect(autoFeatureStatus('new', tally(2, 1))).toBe('in_progress');
    expect(autoFeatureStatus('new', tally(2, 0))).toBe('new');
  });

  it('completes a new or in_progress feature when every todo is done', () => {
    expect(autoFeatureStatus('in_progress', tally(2, 2))).toBe('done');
    expect(autoFeatureStatus('new', tally(1, 1))).toBe('done');
  });

  it('reopens a done feature whose todo is reopened', () => {
    expect(autoFeatureStatus('done', tally(2, 1))).toBe('in_progress');
    expect(autoFeatureStatus('done', tally(2, 0))).toBe('in_progress');
  });

  it('never sets or clears tested and merged on its own, and leaves a feature without todos alone', () => {
    expect(autoFeatureStatus('tested', tally(2, 1))).toBe('tested');
    expect(autoFeatureStatus('merged', tally(2, 1))).toBe('merged');
    expect(autoFeatureStatus('done', tally(0, 0))).toBe('done');
  });
});

describe('feature sort', () => {
  it('accepts the known sorts and falls back to updated_at_desc', () => {
    expect(parseFeatureSort('name_asc')).toBe('name_asc');
    expect(parseFeatureSort('bogus')).toBe('updated_at_desc');
    expect(parseFeatureSort(undefined)).toBe('updated_at_desc');
  });
});
