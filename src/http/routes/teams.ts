import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

// Filled in by the teams work: /teams, members, language, team invitations.
const teamRoutes: FastifyPluginAsyncTypebox = async () => {};
export default teamRoutes;
