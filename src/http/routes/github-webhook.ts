import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** `POST /github/webhook`: signed deliveries from GitHub. */
const githubWebhookRoutes: FastifyPluginAsyncTypebox = async () => {};

export default githubWebhookRoutes;
