import { z } from 'zod';
import { RuleViolation } from '../../domain/errors.js';
import { UUID_PATTERN } from '../../domain/ids.js';
import type { McpCallContext } from './types.js';

/**
 * Project binding for the tool groups of this folder (DECISIONS.md "MCP"): a key
 * scoped to one project, or an `X-Project-Id` header, makes that project the default.
 * Hiding every other project is domain/access.ts's job, for every tool alike.
 */

/**
 * An id argument: the one id check (domain/ids.ts); agents paste ids from other tools
 * verbatim. Advertised as `format: uuid` without the regex, which would cost ~100
 * characters of every agent's context per id argument; the check runs all the same.
 */
export const uuidArg = () => z.string().regex(UUID_PATTERN, 'must be an id').meta({ format: 'uuid', pattern: undefined });

export const idArg = (what: string) => uuidArg().describe(what);

/** The project a call is about: the given one, else the bound one. */
export function projectIdFor(ctx: McpCallContext, projectId: string | undefined): string {
  const id = projectId ?? ctx.scope.projectId;
  if (id === undefined) throw new RuleViolation('projectId is required (no project is bound to this connection)');
  return id;
}
