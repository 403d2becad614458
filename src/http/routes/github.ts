import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** `/github/*`: repositories, access, branches (reference/rest-api.md §1.10). */
const githubRoutes: FastifyPluginAsyncTypebox = async () => {};

export default githubRoutes;
