import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requireProjectAccess } from '../../domain/access.js';
import { onlineUsers } from '../../realtime/presence.js';
import { contextOf } from '../plugins/auth.js';
import { IdParams, Uuid, errors } from '../schemas/common.js';

const NegotiateQuery = Type.Object({ negotiateVersion: Type.Optional(Type.Integer({ minimum: 0 })) });
const OnlineUsers = Type.Object({
  projectId: Uuid,
  onlineUsers: Type.Array(Type.Object({ id: Uuid, email: Type.String() })),
  count: Type.Integer(),
});
/** Negotiate takes no body; what a client sends anyway is read up to this and dropped. */
const NEGOTIATE_BODY_LIMIT_BYTES = 1024;

/**
 * The live board's HTTP side (the WebSocket itself is realtime/plugin.ts): SignalR's
 * negotiate and the online list. app.ts mounts it unprefixed and under /v1.
 */
const hubRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['realtime'];
  const security = [{ bearerAuth: [] }];

  // Older @microsoft/signalr clients POST negotiate with an empty `text/plain` body.
  // The API refuses text/plain elsewhere (app.ts); here, in this plugin's own
  // context, such a body is accepted and ignored, as ASP.NET Core does.
  app.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: NEGOTIATE_BODY_LIMIT_BYTES }, (_request, _body, done) => done(null, undefined));

  app.post(
    '/signalr/hub/negotiate',
    {
      onRequest: app.authenticate,
      bodyLimit: NEGOTIATE_BODY_LIMIT_BYTES,
      schema: {
        tags,
        summary: 'SignalR negotiate: WebSockets is the only transport',
        description:
          'Versions 0 and 1 of the ASP.NET Core negotiate protocol. Any body is ignored (older clients send an empty ' +
          'text/plain one). The WebSocket at /signalr/hub then authenticates again (access_token query parameter or ' +
          'Authorization header); the connection token is not needed to connect.',
        security,
        querystring: NegotiateQuery,
        response: errors(401, 413),
      },
    },
    async (request) => {
      const connectionId = randomBytes(16).toString('base64url');
      const availableTransports = [{ transport: 'WebSockets', transferFormats: ['Text'] }];
      if ((request.query.negotiateVersion ?? 0) >= 1) {
        return { negotiateVersion: 1, connectionId, connectionToken: randomBytes(16).toString('base64url'), availableTransports };
      }
      return { connectionId, availableTransports };
    },
  );

  app.get(
    '/signalr/projects/:id/online',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'Users connected to the live board of a project right now (all instances)',
        description: 'Members of the project’s team only (404 otherwise). For open work sessions see /projects/{id}/active-users.',
        security,
        params: IdParams,
        response: { 200: OnlineUsers, ...errors(401, 404, 422) },
      },
    },
    async (request) => {
      const projectId = request.params.id;
      await requireProjectAccess(contextOf(request), projectId, 'read');
      const users = onlineUsers(await app.realtime.onlineIn(projectId));
      return { projectId, onlineUsers: users, count: users.length };
    },
  );
};

export default hubRoutes;
