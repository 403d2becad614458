import { z } from 'zod';
import { NotFound, RuleViolation } from '../../domain/errors.js';
import type { McpCallContext } from './types.js';

/**
 * Project binding for the tool groups of this folder (DECISIONS.md "MCP"): a key
 * scoped to one project, or an `X-Project-Id` header, makes that project the default
 * and hides every other one, exactly as if it did not exist.
 */

/**
 * An id: any 8-4-4-4-12 hex id (agents paste ids from other tools verbatim). Validated
 * as before, but advertised as `format: uuid` only: the regex zod would print beside
 * it costs ~100 characters of every agent's context per id argument.
 */
export const guid = () => z.guid().meta({ pattern: undefined });

/** An id argument. */
export const idArg = (what: string) => guid().describe(what);

/** The project a call is about: the given one (which must match a binding) or the bound one. */
export function projectIdFor(ctx: McpCallContext, projectId: string | undefined): string {
  if (projectId === undefined) {
    if (ctx.boundProjectId) return ctx.boundProjectId;
    throw new RuleViolation('projectId is required (no project is bound to this connection)');
  }
  if (ctx.boundProjectId && ctx.boundProjectId !== projectId) throw new NotFound('Project');
  return projectId;
}

/** Refuses a thing of another project than the bound one, naming it like a missing one. */
export function requireInBoundProject(ctx: McpCallContext, projectId: string, entity: string): void {
  if (ctx.boundProjectId && ctx.boundProjectId !== projectId) throw new NotFound(entity);
}
