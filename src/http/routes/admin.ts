import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

// Filled in by the admin work: /admin/users*, /admin/create-user, /admin/invitations*.
const adminRoutes: FastifyPluginAsyncTypebox = async () => {};
export default adminRoutes;
