import { describe, expect, it } from 'vitest';
import { WORKFLOW_REMINDER, generateSessionSummary, sessionListProblems } from '../../src/domain/sessions/rules.js';

describe('session summary', () => {
  it('names the goal and what was completed, then the workflow reminder', () => {
    const summary = generateSessionSummary({ goal: 'Ship login', todosCompleted: ['a', 'b'], featuresCompleted: ['f'], elementsUpdated: ['e1', 'e2', 'e3'] });
    expect(summary).toBe(`Goal: Ship login | Completed 2 todo(s) | Completed 1 feature(s) | Updated 3 element(s)\n\n${WORKFLOW_REMINDER}`);
  });

  it('leaves out what did not happen', () => {
    expect(generateSessionSummary({ goal: null, todosCompleted: ['a'], featuresCompleted: [], elementsUpdated: [] })).toMatch(/^Completed 1 todo\(s\)\n\n/);
    expect(generateSessionSummary({ goal: 'G', todosCompleted: [], featuresCompleted: [], elementsUpdated: [] })).toMatch(/^Goal: G\n\n/);
  });

  it('says so when nothing was recorded', () => {
    expect(generateSessionSummary({ goal: '  ', todosCompleted: [], featuresCompleted: [], elementsUpdated: [] })).toMatch(
      /^Session completed with no changes recorded\.\n\nWORKFLOW REMINDER:/,
    );
  });

  it('reminds of the real workflows: no tested todos, features end in merged', () => {
    expect(WORKFLOW_REMINDER).toContain('Todos: new → in_progress → done');
    expect(WORKFLOW_REMINDER).toContain('There is no `tested` status for todos');
    expect(WORKFLOW_REMINDER).toContain('Features: new → in_progress → done → tested → merged');
    expect(WORKFLOW_REMINDER).not.toMatch(/in_progress → tested/);
  });
});

describe('session list checks', () => {
  it('accepts ids that exist with a completed status', () => {
    expect(sessionListProblems('todos_completed', ['a', 'a'], [{ id: 'a', status: 'done' }], ['done'])).toEqual([]);
  });

  it('names the ids that are not in the project', () => {
    expect(sessionListProblems('elements_updated', ['a', 'x'], [{ id: 'a', status: 'new' }])).toEqual(['elements_updated: not in this project: x']);
  });

  it('names the ids that are not completed, with their status', () => {
    const problems = sessionListProblems(
      'features_completed',
      ['f1', 'f2', 'f3'],
      [
        { id: 'f1', status: 'in_progress' },
        { id: 'f2', status: 'merged' },
      ],
      ['done', 'tested', 'merged'],
    );
    expect(problems).toEqual(['features_completed: not in this project: f3', 'features_completed: not done/tested/merged: f1 (in_progress)']);
  });
});
