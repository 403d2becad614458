import type { FastifyInstance } from 'fastify';
import authRoutes from './auth.js';
import adminRoutes from './admin.js';
import projectRoutes from './projects.js';
import teamRoutes from './teams.js';

/** Every versioned resource; app.ts mounts this twice, unprefixed and under /v1. */
export default async function apiRoutes(app: FastifyInstance) {
  await app.register(authRoutes);
  await app.register(teamRoutes);
  await app.register(adminRoutes);
  await app.register(projectRoutes);
}
