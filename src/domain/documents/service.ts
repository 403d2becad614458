import { and, count, desc, eq, getTableColumns, ilike, or, sql, type SQL } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../../db/client.js';
import { documents, features, projectElements } from '../../db/schema.js';
import { requireProjectAccess, requireProjectWriter } from '../access.js';
import type { ServiceContext } from '../context.js';
import { NotFound, RuleViolation } from '../errors.js';
import { mutate } from '../mutation.js';
import { requireWithinDocumentQuota } from './quota.js';
import type { Page, PageRequest } from '../pagination.js';
import { type DocumentType, containsPattern } from './rules.js';

// Every column but the search vector, which is as large as the content and only for the index.
const { searchVector: _searchVector, ...documentColumns } = getTableColumns(documents);
const { content: _content, ...summaryColumns } = documentColumns;

export type DocumentRow = Omit<typeof documents.$inferSelect, 'searchVector'>;
/** A document without its body: what lists that only name documents read (MCP resources and tools). */
export type DocumentSummary = Omit<DocumentRow, 'content'>;

export interface DocumentInput {
  projectId: string;
  elementId?: string | null | undefined;
  featureId?: string | null | undefined;
  type: DocumentType;
  title: string;
  content: string;
  tags?: string[] | undefined;
}

export interface DocumentChanges {
  title?: string | undefined;
  content?: string | undefined;
  tags?: string[] | undefined;
}

export interface DocumentFilters {
  type?: DocumentType | undefined;
  elementId?: string | undefined;
  featureId?: string | undefined;
  search?: string | undefined;
}

/** Members write a project's documents; a linked element or feature must be the project's own. */
export async function createDocument(ctx: ServiceContext, input: DocumentInput): Promise<DocumentRow> {
  const project = await requireProjectWriter(ctx, input.projectId);
  return mutate(ctx, async (tx, record) => {
    await requireInProject(tx, project.id, input.elementId, input.featureId);
    await requireWithinDocumentQuota(ctx, tx, project.id, input.content);
    const [document] = await tx
      .insert(documents)
      .values({
        projectId: project.id,
        elementId: input.elementId ?? null,
        featureId: input.featureId ?? null,
        type: input.type,
        title: input.title,
        content: input.content,
        tags: input.tags ?? [],
        createdBy: ctx.actor.id,
        updatedBy: ctx.actor.id,
      })
      .returning(documentColumns);
    record.activity({ action: 'document.created', entityType: 'document', entityId: document!.id, teamId: project.teamId, projectId: project.id, after: summaryOf(document!) });
    record.event({
      name: 'projectUpdated',
      teamId: project.teamId,
      projectId: project.id,
      version: document!.version,
      payload: {
        projectId: project.id,
        changes: {
          action: 'document_created',
          document_id: document!.id,
          document_type: document!.type,
          document_title: document!.title,
          element_id: document!.elementId,
        },
      },
    });
    return document!;
  });
}

const NEWEST_FIRST = [desc(documents.updatedAt), desc(documents.id)] as const;

/** A project's documents, most recently updated first. */
export function listProjectDocuments(ctx: ServiceContext, projectId: string, filters: DocumentFilters, page: PageRequest): Promise<Page<DocumentRow>> {
  return listDocuments(ctx, projectId, filters, page, (where) =>
    ctx.db.select(documentColumns).from(documents).where(where).orderBy(...NEWEST_FIRST).limit(page.pageSize).offset(page.offset),
  );
}

/**
 * The same list without the bodies, which are up to 5 MiB each: the database never
 * sends them, so naming a hundred documents costs a hundred titles, not their text.
 */
export function listProjectDocumentSummaries(
  ctx: ServiceContext,
  projectId: string,
  filters: DocumentFilters,
  page: PageRequest,
): Promise<Page<DocumentSummary>> {
  return listDocuments(ctx, projectId, filters, page, (where) =>
    ctx.db.select(summaryColumns).from(documents).where(where).orderBy(...NEWEST_FIRST).limit(page.pageSize).offset(page.offset),
  );
}

/** Access, filters and the count of both lists; `rows` reads the page with its own columns. */
async function listDocuments<T>(
  ctx: ServiceContext,
  projectId: string,
  filters: DocumentFilters,
  page: PageRequest,
  rows: (where: SQL | undefined) => Promise<T[]>,
): Promise<Page<T>> {
  await requireProjectAccess(ctx, projectId, 'read');
  const where = documentsWhere(projectId, filters);
  const [items, total] = await Promise.all([rows(where), countDocuments(ctx, where)]);
  return { items, total, page: page.page, pageSize: page.pageSize };
}

function documentsWhere(projectId: string, filters: DocumentFilters): SQL | undefined {
  const conditions: (SQL | undefined)[] = [eq(documents.projectId, projectId)];
  if (filters.type) conditions.push(eq(documents.type, filters.type));
  if (filters.elementId) conditions.push(eq(documents.elementId, filters.elementId));
  if (filters.featureId) conditions.push(eq(documents.featureId, filters.featureId));
  if (filters.search) {
    const pattern = containsPattern(filters.search);
    conditions.push(or(ilike(documents.title, pattern), ilike(documents.content, pattern)));
  }
  return and(...conditions);
}

async function countDocuments(ctx: ServiceContext, where: SQL | undefined): Promise<number> {
  const [totals] = await ctx.db.select({ total: count() }).from(documents).where(where);
  return totals?.total ?? 0;
}

export async function getDocument(ctx: ServiceContext, documentId: string): Promise<DocumentRow> {
  const document = await findDocument(ctx.db, documentId);
  await requireProjectAccess(ctx, document.projectId, 'read', 'Document');
  return document;
}

/** Partial update; the version goes up by one when the content actually changes. */
export async function updateDocument(ctx: ServiceContext, documentId: string, changes: DocumentChanges): Promise<DocumentRow> {
  const current = await findDocument(ctx.db, documentId);
  const project = await requireProjectWriter(ctx, current.projectId, 'Document');
  return mutate(ctx, async (tx, record) => {
    const values: PgUpdateSetSource<typeof documents> = { updatedBy: ctx.actor.id };
    if (changes.title !== undefined) values.title = changes.title;
    if (changes.tags !== undefined) values.tags = changes.tags;
    if (changes.content !== undefined) {
      await requireWithinDocumentQuota(ctx, tx, project.id, changes.content, documentId);
      values.content = changes.content;
      // Decided in SQL against the row's content as it is now, not as we read it.
      values.version = sql`case when ${documents.content} is distinct from ${changes.content} then ${documents.version} + 1 else ${documents.version} end`;
    }
    const [updated] = await tx
      .update(documents)
      .set(values)
      .where(eq(documents.id, documentId))
      .returning(documentColumns);
    if (!updated) throw new NotFound('Document');
    record.activity({
      action: 'document.updated',
      entityType: 'document',
      entityId: documentId,
      teamId: project.teamId,
      projectId: project.id,
      before: summaryOf(current),
      after: summaryOf(updated),
    });
    record.event({
      name: 'projectUpdated',
      teamId: project.teamId,
      projectId: project.id,
      version: updated.version,
      payload: {
        projectId: project.id,
        changes: { action: 'document_updated', document_id: documentId, document_type: updated.type, document_title: updated.title, fields: Object.keys(changes).filter((key) => changes[key as keyof DocumentChanges] !== undefined) },
      },
    });
    return updated;
  });
}

export async function deleteDocument(ctx: ServiceContext, documentId: string): Promise<void> {
  const current = await findDocument(ctx.db, documentId);
  const project = await requireProjectWriter(ctx, current.projectId, 'Document');
  await mutate(ctx, async (tx, record) => {
    const [deleted] = await tx.delete(documents).where(eq(documents.id, documentId)).returning({ id: documents.id });
    if (!deleted) throw new NotFound('Document');
    record.activity({ action: 'document.deleted', entityType: 'document', entityId: documentId, teamId: project.teamId, projectId: project.id, before: summaryOf(current) });
    record.event({
      name: 'projectUpdated',
      teamId: project.teamId,
      projectId: project.id,
      payload: { projectId: project.id, changes: { action: 'document_deleted', document_id: documentId, document_type: current.type, document_title: current.title } },
    });
  });
}

async function findDocument(db: DbOrTx, documentId: string): Promise<DocumentRow> {
  const [document] = await db.select(documentColumns).from(documents).where(eq(documents.id, documentId)).limit(1);
  if (!document) throw new NotFound('Document');
  return document;
}

async function requireInProject(db: DbOrTx, projectId: string, elementId: string | null | undefined, featureId: string | null | undefined): Promise<void> {
  if (elementId) {
    const [element] = await db
      .select({ id: projectElements.id })
      .from(projectElements)
      .where(and(eq(projectElements.id, elementId), eq(projectElements.projectId, projectId)))
      .limit(1);
    if (!element) throw new RuleViolation(`Element ${elementId} is not in this project`);
  }
  if (featureId) {
    const [feature] = await db
      .select({ id: features.id })
      .from(features)
      .where(and(eq(features.id, featureId), eq(features.projectId, projectId)))
      .limit(1);
    if (!feature) throw new RuleViolation(`Feature ${featureId} is not in this project`);
  }
}

/**
 * What the activity log keeps of a document: everything but the content, which can
 * be megabytes; its length says whether it changed.
 */
function summaryOf(document: DocumentRow) {
  const { content, ...rest } = document;
  return { ...rest, content_length: content.length };
}
