import type { PROJECT_STATUSES } from '../enums.js';

export type ProjectStatus = (typeof PROJECT_STATUSES)[number];

// `new`: an empty element has nothing done yet (it rolls up from its todos once it has some).
export const DEFAULT_ELEMENT = { type: 'module', title: 'Default', status: 'new' } as const;

type Json = Record<string, unknown>;

const isPlainObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * How an update's `resume_context` meets the stored one: top-level keys are
 * replaced, except that two objects under the same key are merged one level deep.
 */
export function mergeResumeContext(current: unknown, update: Json): Json {
  const merged: Json = isPlainObject(current) ? { ...current } : {};
  for (const [key, value] of Object.entries(update)) {
    const existing = merged[key];
    merged[key] = isPlainObject(existing) && isPlainObject(value) ? { ...existing, ...value } : value;
  }
  return merged;
}
