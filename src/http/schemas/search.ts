import { type Static, Type } from '@sinclair/typebox';
import type { SearchHit } from '../../domain/search/service.js';
import { Uuid } from './common.js';

export const SearchQuery = Type.Object({
  q: Type.String({
    maxLength: 200,
    // At least one non-space character: a blank query is a 422 like an empty one. The
    // pattern alone covers "" too (a minLength beside it made that two errors for one mistake).
    pattern: '\\S',
    description: 'Web-search syntax: words, "a phrase", or, -excluded',
  }),
  project_id: Type.Optional(Uuid),
  types: Type.Optional(
    Type.String({
      pattern: '^(todo|feature|document)(,(todo|feature|document))*$',
      description: 'Comma-separated subset of todo,feature,document (default: all three)',
    }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});

export const SearchResponse = Type.Object({
  results: Type.Array(
    Type.Object({
      type: Type.String({ description: 'todo | feature | document' }),
      id: Uuid,
      project_id: Uuid,
      title: Type.String(),
      snippet: Type.String({ description: 'Matching words wrapped in **…**' }),
      rank: Type.Number(),
    }),
  ),
  total: Type.Integer({ description: 'Matches over all types, not just this page' }),
});

export function presentSearch(result: { results: SearchHit[]; total: number }): Static<typeof SearchResponse> {
  return {
    results: result.results.map((hit) => ({ type: hit.type, id: hit.id, project_id: hit.projectId, title: hit.title, snippet: hit.snippet, rank: hit.rank })),
    total: result.total,
  };
}
