import type { FastifyInstance } from 'fastify';
import adminRoutes from './admin.js';
import auditRoutes from './audit.js';
import authRoutes from './auth.js';
import documentsRoutes from './documents.js';
import elementsRoutes from './elements.js';
import featuresRoutes from './features.js';
import githubRoutes from './github.js';
import githubAuthRoutes from './github-auth.js';
import githubImportRoutes from './github-imports.js';
import taskRoutes from './tasks.js';
import githubWebhookRoutes from './github-webhook.js';
import ideasRoutes from './ideas.js';
import jobRoutes from './jobs.js';
import mcpKeysRoutes from './mcp-keys.js';
import projectRoutes from './projects.js';
import searchRoutes from './search.js';
import sessionsRoutes from './sessions.js';
import teamRoutes from './teams.js';
import todosRoutes from './todos.js';

/** Every versioned resource; app.ts mounts this twice, unprefixed and under /v1. */
export default async function apiRoutes(app: FastifyInstance) {
  await app.register(authRoutes);
  await app.register(teamRoutes);
  await app.register(adminRoutes);
  await app.register(jobRoutes);
  await app.register(projectRoutes);
  await app.register(import('./project-extras.js'));
  await app.register(elementsRoutes);
  await app.register(featuresRoutes);
  await app.register(todosRoutes);
  await app.register(documentsRoutes);
  await app.register(sessionsRoutes);
  await app.register(ideasRoutes);
  await app.register(mcpKeysRoutes);
  await app.register(searchRoutes);
  await app.register(auditRoutes);
  await app.register(githubAuthRoutes);
  await app.register(githubRoutes);
  await app.register(githubImportRoutes);
  await app.register(taskRoutes);
  await app.register(githubWebhookRoutes);
}
