import type { DOCUMENT_TYPES } from '../enums.js';

export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** Documents are markdown up to 5 MiB (DECISIONS.md "HTTP conventions"). */
export const DOCUMENT_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

/**
 * A search text as a literal ILIKE pattern matching it anywhere: `%`, `_` and the
 * escape character itself mean only themselves.
 */
export function containsPattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}
