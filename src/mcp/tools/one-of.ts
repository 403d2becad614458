import { z } from 'zod';

/**
 * `z.enum(values)` whose refusal names the field, the allowed values and what was
 * sent (`status must be one of: new, in_progress, done (got "tested")`), the same
 * wording the REST API answers with, so an agent can correct the call at once.
 */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (issue) => {
      const field = issue.path?.length ? issue.path.join('.') : 'value';
      const got = issue.input === undefined ? '' : ` (got ${JSON.stringify(issue.input)?.slice(0, 100)})`;
      return `${field} must be one of: ${values.join(', ')}${got}`;
    },
  });
}
