import { asc, count, eq, sql } from 'drizzle-orm';
import { featureElements, features, projectElements, todos } from '../../db/schema.js';
import { requireProjectAccess } from '../access.js';
import type { ServiceContext } from '../context.js';
import type { ElementRow } from './service.js';
import { type TreeNode, assembleTree } from './rules.js';

export interface TreeElement extends ElementRow {
  todosCount: number;
  todosDoneCount: number;
  linkedFeatures: string[];
}

export interface ElementTree {
  projectId: string;
  elements: TreeNode<TreeElement>[];
}

/**
 * The project's whole element tree with each element's todo counts and linked feature
 * names. Three queries whatever the size (elements, todo counts, feature links), and
 * one linear pass to nest them. Siblings are ordered by position (unset last), then
 * creation time.
 */
export async function getElementTree(ctx: ServiceContext, projectId: string): Promise<ElementTree> {
  await requireProjectAccess(ctx, projectId, 'read');
  const [elements, todoCounts, links] = await Promise.all([
    ctx.db
      .select()
      .from(projectElements)
      .where(eq(projectElements.projectId, projectId))
      .orderBy(sql`${projectElements.position} asc nulls last`, asc(projectElements.createdAt), asc(projectElements.id)),
    ctx.db
      .select({
        elementId: todos.elementId,
        total: count(),
        done: sql<number>`count(*) filter (where ${todos.status} = 'done')`.mapWith(Number),
      })
      .from(todos)
      .where(eq(todos.projectId, projectId))
      .groupBy(todos.elementId),
    ctx.db
      .select({ elementId: featureElements.elementId, name: features.name })
      .from(featureElements)
      .innerJoin(features, eq(features.id, featureElements.featureId))
      .where(eq(features.projectId, projectId))
      .orderBy(asc(features.name), asc(features.id)),
  ]);

  const countsByElement = new Map(todoCounts.map((row) => [row.elementId, row]));
  const featuresByElement = new Map<string, string[]>();
  for (const link of links) {
    const names = featuresByElement.get(link.elementId);
    if (names) names.push(link.name);
    else featuresByElement.set(link.elementId, [link.name]);
  }
  const rows: TreeElement[] = elements.map((element) => {
    const counts = countsByElement.get(element.id);
    return {
      ...element,
      todosCount: counts?.total ?? 0,
      todosDoneCount: counts?.done ?? 0,
      linkedFeatures: featuresByElement.get(element.id) ?? [],
    };
  });
  return { projectId, elements: assembleTree(rows) };
}
