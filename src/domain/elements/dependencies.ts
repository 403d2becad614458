import { and, asc, eq, sql } from 'drizzle-orm';
import type { DEPENDENCY_TYPES } from '../enums.js';
import { elementDependencies, projectElements } from '../../db/schema.js';
import { requireProjectAccess } from '../access.js';
import type { ServiceContext } from '../context.js';
import { NotFound, RuleViolation, isUniqueViolation } from '../errors.js';
import { mutate } from '../mutation.js';
import { lockProjectWork } from '../projects/lock.js';
import { CIRCULAR_DEPENDENCY, CROSS_PROJECT_DEPENDENCY, DUPLICATE_DEPENDENCY, SELF_DEPENDENCY } from './rules.js';
import { elementEvent, loadElement } from './service.js';
import { dependencyClosureIds, lockElementStructure } from './structure.js';

/**
 * "A depends on B" links between elements of one project. The graph stays acyclic:
 * a new link is refused when B already depends on A, directly or through others.
 * Dependencies never change statuses.
 */

export type DependencyRow = typeof elementDependencies.$inferSelect;
export type DependencyType = (typeof DEPENDENCY_TYPES)[number];

export async function addDependency(
  ctx: ServiceContext,
  elementId: string,
  input: { dependsOnElementId: string; dependencyType: DependencyType },
): Promise<DependencyRow> {
  const { element, project } = await loadElement(ctx, elementId, 'write');
  if (input.dependsOnElementId === elementId) throw new RuleViolation(SELF_DEPENDENCY);
  const [target] = await ctx.db
    .select({ projectId: projectElements.projectId })
    .from(projectElements)
    .where(eq(projectElements.id, input.dependsOnElementId))
    .limit(1);
  if (!target) throw new NotFound('Element');
  if (target.projectId !== element.projectId) {
    // Only say "another project" about a project the caller can see.
    await requireProjectAccess(ctx, target.projectId, 'read', 'Element');
    throw new RuleViolation(CROSS_PROJECT_DEPENDENCY);
  }

  return mutate(ctx, async (tx, record) => {
    await lockProjectWork(tx, project.id);
    await lockElementStructure(tx, project.id);
    const [existing] = await tx
      .select({ id: elementDependencies.id })
      .from(elementDependencies)
      .where(and(eq(elementDependencies.elementId, elementId), eq(elementDependencies.dependsOnElementId, input.dependsOnElementId)))
      .limit(1);
    if (existing) throw new RuleViolation(DUPLICATE_DEPENDENCY);
    // A → B closes a loop exactly when A is already among what B depends on.
    const [loop] = await tx
      .select({ id: projectElements.id })
      .from(projectElements)
      .where(and(eq(projectElements.id, elementId), sql`${projectElements.id} in ${dependencyClosureIds(input.dependsOnElementId)}`))
      .limit(1);
    if (loop) throw new RuleViolation(CIRCULAR_DEPENDENCY);

    let dependency: DependencyRow | undefined;
    try {
      [dependency] = await tx
        .insert(elementDependencies)
        .values({ elementId, dependsOnElementId: input.dependsOnElementId, dependencyType: input.dependencyType, createdBy: ctx.actor.id })
        .returning();
    } catch (error) {
      if (isUniqueViolation(error)) throw new RuleViolation(DUPLICATE_DEPENDENCY);
      throw error;
    }
    record.activity({ action: 'element_dependency.added', entityType: 'element_dependency', entityId: dependency!.id, teamId: project.teamId, projectId: project.id, after: dependency });
    record.event(elementEvent(project, 'dependency_added', elementId, { dependency_id: dependency!.id }));
    return dependency!;
  });
}

/** What the element depends on, oldest link first. */
export async function listDependencies(ctx: ServiceContext, elementId: string): Promise<DependencyRow[]> {
  await loadElement(ctx, elementId, 'read');
  return ctx.db
    .select()
    .from(elementDependencies)
    .where(eq(elementDependencies.elementId, elementId))
    .orderBy(asc(elementDependencies.createdAt), asc(elementDependencies.id));
}

export async function removeDependency(ctx: ServiceContext, elementId: string, dependencyId: string): Promise<void> {
  const { project } = await loadElement(ctx, elementId, 'write');
  await mutate(ctx, async (tx, record) => {
    await lockProjectWork(tx, project.id);
    const [removed] = await tx
      .delete(elementDependencies)
      .where(and(eq(elementDependencies.id, dependencyId), eq(elementDependencies.elementId, elementId)))
      .returning();
    if (!removed) throw new NotFound('Dependency');
    record.activity({ action: 'element_dependency.removed', entityType: 'element_dependency', entityId: dependencyId, teamId: project.teamId, projectId: project.id, before: removed });
    record.event(elementEvent(project, 'dependency_removed', elementId, { dependency_id: dependencyId }));
  });
}
