import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../../db/client.js';
import { documents, features, projects, todos } from '../../db/schema.js';
import { boundProjectId, readableTeamIds, requireProjectAccess } from '../access.js';
import type { ServiceContext } from '../context.js';

/**
 * Full-text search over todos, features and documents, on the stored `search_vector`
 * columns (GIN-indexed, `simple` configuration: no stemming, English and Hungarian
 * alike). The query is web-search syntax (`websearch_to_tsquery`): words, "quoted
 * phrases", `or`, `-excluded`. Titles weigh more than bodies, so a title match ranks
 * above a body match.
 */

export const SEARCHABLE_TYPES = ['todo', 'feature', 'document'] as const;
export type SearchableType = (typeof SEARCHABLE_TYPES)[number];

export interface SearchHit {
  type: SearchableType;
  id: string;
  projectId: string;
  title: string;
  snippet: string;
  rank: number;
}

export interface SearchRequest {
  query: string;
  projectId?: string | undefined;
  types?: readonly SearchableType[] | undefined;
  limit: number;
}

interface Searchable {
  table: PgTable;
  id: AnyPgColumn;
  projectId: AnyPgColumn;
  title: AnyPgColumn;
  /** Where the snippet comes from (the title when it is empty). */
  body: AnyPgColumn;
  vector: AnyPgColumn;
}

const SEARCHABLES: Record<SearchableType, Searchable> = {
  todo: { table: todos, id: todos.id, projectId: todos.projectId, title: todos.title, body: todos.description, vector: todos.searchVector },
  feature: { table: features, id: features.id, projectId: features.projectId, title: features.name, body: features.description, vector: features.searchVector },
  document: { table: documents, id: documents.id, projectId: documents.projectId, title: documents.title, body: documents.content, vector: documents.searchVector },
};

/**
 * Snippets are cut from at most this much of the body: ts_headline re-parses its
 * input, and a document may be megabytes. Matches further in still rank; their
 * snippet then shows the beginning.
 */
const SNIPPET_SOURCE_CHARS = 20_000;
// Markdown emphasis rather than HTML: clients render snippets as text or markdown,
// and stored content must never turn into markup.
const HEADLINE_OPTIONS = 'StartSel=**, StopSel=**, MaxWords=30, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "';

export async function search(ctx: ServiceContext, request: SearchRequest): Promise<{ results: SearchHit[]; total: number }> {
  let scope: SQL;
  // A scope bound to one project searches that project alone.
  const projectId = request.projectId ?? boundProjectId(ctx);
  if (projectId) {
    await requireProjectAccess(ctx, projectId, 'read');
    scope = sql`= ${projectId}`;
  } else {
    const teams = await readableTeamIds(ctx);
    if (teams !== 'all' && teams.length === 0) return { results: [], total: 0 };
    scope = teams === 'all' ? sql`is not null` : sql`in (select ${projects.id} from ${projects} where ${inArray(projects.teamId, teams)})`;
  }
  const types = request.types && request.types.length > 0 ? [...new Set(request.types)] : SEARCHABLE_TYPES;
  const perType = await Promise.all(types.map((type) => searchOne(ctx.db, type, request.query, scope, request.limit)));
  const results = perType
    .flatMap((found) => found.hits)
    .sort((a, b) => b.rank - a.rank || a.title.localeCompare(b.title))
    .slice(0, request.limit);
  return { results, total: perType.reduce((sum, found) => sum + found.total, 0) };
}

async function searchOne(db: DbOrTx, type: SearchableType, text: string, scope: SQL, limit: number) {
  const target = SEARCHABLES[type];
  const query = sql`websearch_to_tsquery('simple', ${text})`;
  // The ranked page first (rank and the total from the index scan), then snippets
  // for just that page, so ts_headline never runs over every match.
  const ranked = db
    .select({
      id: sql<string>`${target.id}`.as('hit_id'),
      rank: sql<number>`ts_rank(${target.vector}, ${query})`.as('hit_rank'),
      total: sql<number>`count(*) over ()`.as('hit_total'),
    })
    .from(target.table)
    .where(and(sql`${target.projectId} ${scope}`, sql`${target.vector} @@ ${query}`))
    .orderBy(desc(sql`hit_rank`), desc(target.id))
    .limit(limit)
    .as('ranked');
  const rows = (await db
    .select({
      id: target.id,
      projectId: target.projectId,
      title: target.title,
      snippet: sql<string>`ts_headline('simple', left(coalesce(nullif(${target.body}, ''), ${target.title}), ${SNIPPET_SOURCE_CHARS}), ${query}, ${HEADLINE_OPTIONS})`,
      rank: sql<number>`${ranked.rank}`.mapWith(Number),
      total: sql<number>`${ranked.total}`.mapWith(Number),
    })
    .from(ranked)
    .innerJoin(target.table, eq(target.id, ranked.id))
    .orderBy(desc(ranked.rank), desc(target.id))) as { id: string; projectId: string; title: string; snippet: string; rank: number; total: number }[];
  return {
    total: rows[0]?.total ?? 0,
    hits: rows.map((row): SearchHit => ({ type, id: row.id, projectId: row.projectId, title: row.title, snippet: row.snippet, rank: row.rank })),
  };
}
