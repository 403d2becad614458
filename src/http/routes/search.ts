import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type SearchableType, search } from '../../domain/search/service.js';
import { contextOf } from '../plugins/auth.js';
import { errors } from '../schemas/common.js';
import { SearchQuery, SearchResponse, presentSearch } from '../schemas/search.js';

/** `/search`: full-text search over the todos, features and documents you can read. */
const searchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.get(
    '/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Search todos, features and documents, best match first',
        description:
          'Without `project_id`: every project of your teams. Title matches rank above description or content matches. ' +
          'An empty or blank `q`, or one over 200 characters, is a 422.',
        security: [{ bearerAuth: [] }],
        querystring: SearchQuery,
        response: { 200: SearchResponse, ...errors(401, 404, 422) },
      },
    },
    async (request) => {
      const { q, project_id, types, limit } = request.query;
      const result = await search(contextOf(request), {
        query: q,
        projectId: project_id,
        types: types?.split(',') as SearchableType[] | undefined,
        limit: limit ?? 20,
      });
      return presentSearch(result);
    },
  );
};

export default searchRoutes;
