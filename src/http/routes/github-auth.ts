import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** `/auth/github/*`: connecting a user's GitHub account (OAuth code flow with PKCE, reference §2.4). */
const githubAuthRoutes: FastifyPluginAsyncTypebox = async () => {};

export default githubAuthRoutes;
