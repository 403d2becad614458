/**
 * Work-session rules: what may be recorded as completed, and the summary written
 * when the one ending a session leaves none.
 */

export const COMPLETED_FEATURE_STATUSES = ['done', 'tested', 'merged'] as const;

/**
 * Appended to every generated summary, so the next agent reading it is reminded of
 * the real workflows (the old server's text wrongly sent todos through `tested`).
 */
export const WORKFLOW_REMINDER = [
  'WORKFLOW REMINDER:',
  '- Todos: new → in_progress → done. There is no `tested` status for todos; move one step at a time and send the todo’s version.',
  '- Features: new → in_progress → done → tested → merged. `tested` and `merged` need every todo of the feature done.',
  '- Start the next session with the resume context, and end it with a summary.',
].join('\n');

export interface SessionOutcome {
  goal: string | null;
  todosCompleted: readonly string[];
  featuresCompleted: readonly string[];
  elementsUpdated: readonly string[];
}

/**
 * `Goal: … | Completed N todo(s) | Completed N feature(s) | Updated N element(s)`,
 * naming only what there is, or "Session completed with no changes recorded.";
 * then the workflow reminder.
 */
export function generateSessionSummary(outcome: SessionOutcome): string {
  const parts: string[] = [];
  const goal = outcome.goal?.trim();
  if (goal) parts.push(`Goal: ${goal}`);
  if (outcome.todosCompleted.length > 0) parts.push(`Completed ${outcome.todosCompleted.length} todo(s)`);
  if (outcome.featuresCompleted.length > 0) parts.push(`Completed ${outcome.featuresCompleted.length} feature(s)`);
  if (outcome.elementsUpdated.length > 0) parts.push(`Updated ${outcome.elementsUpdated.length} element(s)`);
  const headline = parts.length > 0 ? parts.join(' | ') : 'Session completed with no changes recorded.';
  return `${headline}\n\n${WORKFLOW_REMINDER}`;
}

export interface ListedItem {
  id: string;
  status: string;
}

/**
 * What is wrong with a list of ids a session claims: ids that are not in the
 * project, and ids whose status does not count as completed. Empty when all is well.
 * `field` names the list in the message.
 */
export function sessionListProblems(
  field: string,
  requested: readonly string[],
  found: readonly ListedItem[],
  completedStatuses?: readonly string[],
): string[] {
  const byId = new Map(found.map((item) => [item.id, item]));
  const unknown = unique(requested).filter((id) => !byId.has(id));
  const problems: string[] = [];
  if (unknown.length > 0) problems.push(`${field}: not in this project: ${unknown.join(', ')}`);
  if (completedStatuses) {
    const unfinished = unique(requested)
      .map((id) => byId.get(id))
      .filter((item): item is ListedItem => item !== undefined && !completedStatuses.includes(item.status));
    if (unfinished.length > 0) {
      problems.push(
        `${field}: not ${completedStatuses.join('/')}: ${unfinished.map((item) => `${item.id} (${item.status})`).join(', ')}`,
      );
    }
  }
  return problems;
}

/** The ids in their first-seen order, each once. */
export function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}
