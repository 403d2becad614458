import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

// Stub: filled in by the work on this resource (issue 4).
const mcpKeysRoutes: FastifyPluginAsyncTypebox = async () => {};
export default mcpKeysRoutes;
