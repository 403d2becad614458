import { randomUUID } from 'node:crypto';
import { and, count, eq, isNull, ne } from 'drizzle-orm';
import { projectElements } from '../../db/schema.js';
import { requireProjectWriter } from '../access.js';
import type { ServiceContext } from '../context.js';
import { RuleViolation } from '../errors.js';
import { mutate } from '../mutation.js';
import { lockProjectWork } from '../projects/lock.js';
import { DEFAULT_ELEMENT } from '../projects/rules.js';

/**
 * The element tree made from a checkout's folders (mcp_parse_file_structure): the
 * agent sends the relative paths it sees, each folder down to `maxDepth` becomes a
 * module element nested like the folders. All of it is one mutation: every entry is
 * checked before anything is written, the elements go in with one insert, and the
 * import leaves one set of activity rows and one board event — or nothing at all.
 */

export interface StructureImport {
  projectId: string;
  directories: string[];
  /** README text by folder path; its first 500 characters describe the folder's element. */
  readmes?: Record<string, string> | undefined;
  maxDepth?: number | undefined;
  ignorePatterns?: string[] | undefined;
}

export type StructureImportResult =
  | { kind: 'imported'; projectId: string; elements: { id: string; path: string }[] }
  | { kind: 'refused'; projectId: string; existingElements: number };

export const MAX_IMPORTED_ELEMENTS = 200;
const DEFAULT_DEPTH = 3;
const DESCRIPTION_LENGTH = 500;
const TITLE_LENGTH = 255;
const DEFAULT_IGNORED = ['node_modules', '.git', '__pycache__', 'venv', '.venv', 'dist', 'build', '.idea', '.vscode', '.cursor', 'coverage'];
// eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
const CONTROL = /[\u0000-\u001f\u007f]/;

/** `user-settings` → `User Settings`. */
export function titleFromDirectory(path: string): string {
  const name = path.split('/').pop() ?? path;
  return name
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join(' ');
}

/**
 * The folders worth an element, parents before children: paths cut to `maxDepth`
 * levels, hidden folders and any segment matching an ignore pattern skipped. An entry
 * that cannot be a folder of the checkout (`..`, control characters) or whose folder
 * name gives no title refuses the whole import, naming the entry.
 */
export function directoriesToImport(paths: string[], maxDepth: number, ignorePatterns: string[] = DEFAULT_IGNORED): string[] {
  const kept = new Set<string>();
  for (const raw of paths) {
    const segments = raw.split('/').map((segment) => segment.trim()).filter((segment) => segment && segment !== '.');
    if (segments.some((segment) => segment === '..') || CONTROL.test(raw)) {
      throw new RuleViolation(`directories: "${printable(raw)}" is not a folder of the checkout (send paths relative to its root, without "..")`);
    }
    if (segments.some((segment) => segment.startsWith('.') || ignorePatterns.some((pattern) => segment.includes(pattern)))) continue;
    const cut = segments.slice(0, maxDepth);
    const nameless = cut.find((segment) => titleFromDirectory(segment) === '');
    if (nameless !== undefined) throw new RuleViolation(`directories: the folder "${printable(nameless)}" in "${printable(raw)}" gives no element title`);
    for (let depth = 1; depth <= cut.length; depth += 1) kept.add(cut.slice(0, depth).join('/'));
  }
  return [...kept].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}

function printable(text: string): string {
  return JSON.stringify(text.slice(0, 100)).slice(1, -1);
}

export async function importElementStructure(ctx: ServiceContext, input: StructureImport): Promise<StructureImportResult> {
  const project = await requireProjectWriter(ctx, input.projectId);
  const paths = directoriesToImport(input.directories, input.maxDepth ?? DEFAULT_DEPTH, input.ignorePatterns).slice(0, MAX_IMPORTED_ELEMENTS);
  return mutate(ctx, async (tx, record) => {
    // Under the project's lock, so two imports at once cannot both find the tree empty.
    await lockProjectWork(tx, project.id);
    const [existing] = await tx
      .select({ total: count() })
      .from(projectElements)
      .where(and(eq(projectElements.projectId, project.id), isNull(projectElements.parentId), ne(projectElements.title, DEFAULT_ELEMENT.title)));
    if ((existing?.total ?? 0) > 0) return { kind: 'refused', projectId: project.id, existingElements: existing!.total };
    if (paths.length === 0) return { kind: 'imported', projectId: project.id, elements: [] };

    // Ids are chosen here so one insert can link children to parents made in it.
    const ids = new Map(paths.map((path) => [path, randomUUID()]));
    const rows = paths.map((path) => {
      const parentPath = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : undefined;
      return {
        id: ids.get(path)!,
        projectId: project.id,
        parentId: parentPath ? ids.get(parentPath)! : null,
        type: 'module',
        title: titleFromDirectory(path).slice(0, TITLE_LENGTH),
        description: input.readmes?.[path]?.slice(0, DESCRIPTION_LENGTH) ?? null,
        createdBy: ctx.actor.id,
        updatedBy: ctx.actor.id,
      };
    });
    const inserted = await tx.insert(projectElements).values(rows).returning();
    for (const element of inserted) {
      record.activity({ action: 'element.created', entityType: 'element', entityId: element.id, teamId: project.teamId, projectId: project.id, after: element });
    }
    // New elements under new parents: every status stays "new", so nothing rolls up.
    record.event({
      name: 'projectUpdated',
      teamId: project.teamId,
      projectId: project.id,
      payload: { projectId: project.id, changes: { action: 'structure_imported', element_ids: [...ids.values()] } },
    });
    return { kind: 'imported', projectId: project.id, elements: paths.map((path) => ({ id: ids.get(path)!, path })) };
  });
}
