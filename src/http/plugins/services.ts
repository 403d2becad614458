import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AppServices } from '../../services.js';

declare module 'fastify' {
  interface FastifyInstance {
    services: AppServices;
  }
}

/** Makes the app's long-lived services reachable from every route as `app.services`. */
export default fp(
  async function services(app: FastifyInstance, opts: { services: AppServices }) {
    app.decorate('services', opts.services);
  },
  { name: 'services' },
);
