import { and, eq, inArray } from 'drizzle-orm';
import { features, projectElements, teamMembers } from '../../db/schema.js';
import { isAdmin, requireProjectAccess } from '../access.js';
import type { ServiceContext } from '../context.js';
import { NotFound, RuleViolation } from '../errors.js';

/**
 * Ids that a todo or feature change names (assignee, elements, feature), checked
 * against the project they must belong to. Ids the caller cannot see answer 404 as
 * if they did not exist; visible ones of the wrong project or team answer 400.
 */

type FeatureRow = typeof features.$inferSelect;

/**
 * A user someone wants to assign work in `teamId` to. Not a member there: 400 when
 * the caller can see that user (an admin, or someone sharing a team with them),
 * otherwise 404, exactly as if the id did not exist.
 */
export async function requireAssignableUser(ctx: ServiceContext, teamId: string, userId: string): Promise<void> {
  const [member] = await ctx.db
    .select({ userId: teamMembers.userId })
    .from(teamMembers)
    .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)))
    .limit(1);
  if (member) return;
  let visible = isAdmin(ctx.actor);
  if (!visible) {
    const [shared] = await ctx.db
      .select({ teamId: teamMembers.teamId })
      .from(teamMembers)
      .where(
        and(
          eq(teamMembers.userId, userId),
          inArray(teamMembers.teamId, ctx.db.select({ id: teamMembers.teamId }).from(teamMembers).where(eq(teamMembers.userId, ctx.actor.id))),
        ),
      )
      .limit(1);
    visible = shared !== undefined;
  }
  if (!visible) throw new NotFound('User');
  throw new RuleViolation("The user is not a member of the project's team");
}

/**
 * The elements `elementIds` of `projectId`, as the caller may name them: unknown or
 * invisible → 404 "Element not found", visible but in another project → 400.
 */
export async function requireProjectElements(ctx: ServiceContext, projectId: string, elementIds: readonly string[]): Promise<void> {
  const unique = [...new Set(elementIds)];
  if (unique.length === 0) return;
  const rows = await ctx.db
    .select({ id: projectElements.id, projectId: projectElements.projectId })
    .from(projectElements)
    .where(inArray(projectElements.id, unique));
  for (const id of unique) {
    const row = rows.find((candidate) => candidate.id === id);
    if (!row) throw new NotFound('Element');
    if (row.projectId !== projectId) {
      await requireProjectAccess(ctx, row.projectId, 'read', 'Element');
      throw new RuleViolation('The element belongs to another project');
    }
  }
}

/** Same idea for a feature named in a todo: it must be of `projectId`. */
export async function requireProjectFeature(ctx: ServiceContext, projectId: string, featureId: string): Promise<FeatureRow> {
  const [feature] = await ctx.db.select().from(features).where(eq(features.id, featureId)).limit(1);
  if (!feature) throw new NotFound('Feature');
  if (feature.projectId !== projectId) {
    await requireProjectAccess(ctx, feature.projectId, 'read', 'Feature');
    throw new RuleViolation('The feature belongs to another project');
  }
  return feature;
}

