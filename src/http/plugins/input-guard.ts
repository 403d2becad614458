import type { FastifySchemaValidationError } from 'fastify';

/**
 * Values JSON and query strings can carry that no schema keyword refuses, and that
 * would otherwise reach the database and come back as a 500:
 * - non-finite numbers: `JSON.parse('1e309')` is `Infinity`, and Ajv coerces the
 *   query string `1e309` to `Infinity` too, then skips `minimum`/`maximum` for it;
 * - strings with NUL (PostgreSQL text cannot store U+0000) or an unpaired UTF-16
 *   surrogate (not a character at all; drivers would silently turn it into U+FFFD).
 * Answered as validation issues, so the caller gets a 422 naming the field.
 */
export function unsafeValueIssues(data: unknown): FastifySchemaValidationError[] {
  const issues: FastifySchemaValidationError[] = [];
  walk(data, '', issues, 0);
  return issues;
}

// Request bodies are at most a few MiB of JSON, so nesting is bounded in practice; the
// depth cap only keeps a pathological body from exhausting the stack.
const MAX_DEPTH = 64;
// A high surrogate not followed by a low one, or a low one not preceded by a high one
// (String#isWellFormed, which the compile target's lib does not declare yet).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function walk(value: unknown, path: string, issues: FastifySchemaValidationError[], depth: number): void {
  if (issues.length >= 10) return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) issues.push(issue(path, 'type', 'must be a finite number'));
    return;
  }
  if (typeof value === 'string') {
    if (value.includes('\u0000')) issues.push(issue(path, 'string_invalid', 'must not contain NUL characters'));
    else if (LONE_SURROGATE.test(value)) issues.push(issue(path, 'string_invalid', 'must be valid Unicode text (it has an unpaired surrogate)'));
    return;
  }
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return;
  if (Array.isArray(value)) {
    value.forEach((item, index) => walk(item, `${path}/${index}`, issues, depth + 1));
    return;
  }
  for (const [key, item] of Object.entries(value)) walk(item, `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, issues, depth + 1);
}

function issue(instancePath: string, keyword: string, message: string): FastifySchemaValidationError {
  return { keyword, instancePath, schemaPath: '#', params: {}, message };
}
