import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { entityAudit, parseEntityType, userAuthorship } from '../../domain/audit/service.js';
import { contextOf } from '../plugins/auth.js';
import { errors } from '../schemas/common.js';
import {
  CreatedByUserResponse,
  EntityAuditParams,
  EntityAuditQuery,
  EntityAuditResponse,
  UpdatedByUserResponse,
  UserAuditParams,
  UserAuditQuery,
  presentAuthorship,
  presentEntityAudit,
} from '../schemas/audit.js';

const tags = ['audit'];
const security = [{ bearerAuth: [] }];

/** `/audit`: who created and changed what, from the activity log, scoped to what the caller may see. */
const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.get(
    '/audit/entity/:type/:id',
    {
      schema: {
        tags,
        summary: "An entity's creator, last editor and change history",
        description:
          'History entries are oldest first (the newest `history_limit` of them), each with the entity before and after. ' +
          "Deleted entities keep their history. An entity of a project (for ideas: a team) you cannot read answers 404.",
        security,
        params: EntityAuditParams,
        querystring: EntityAuditQuery,
        response: { 200: EntityAuditResponse, ...errors(400, 401, 404, 422) },
      },
    },
    async (request) => {
      const type = parseEntityType(request.params.type);
      return presentEntityAudit(await entityAudit(contextOf(request), type, request.params.id, request.query.history_limit ?? 100));
    },
  );

  for (const kind of ['created', 'updated'] as const) {
    app.get(
      `/audit/user/:uid/${kind}`,
      {
        schema: {
          tags,
          summary: `Entities a user ${kind === 'created' ? 'created' : 'last updated'}, newest first`,
          description:
            'Your own: everything. An admin: anyone\'s. Otherwise only entities in teams you share with that user; ' +
            'a user you share no team with answers 404.',
          security,
          params: UserAuditParams,
          querystring: UserAuditQuery,
          response: { 200: kind === 'created' ? CreatedByUserResponse : UpdatedByUserResponse, ...errors(400, 401, 404, 422) },
        },
      },
      async (request) => {
        const { entity_type, limit } = request.query;
        const result = await userAuthorship(contextOf(request), request.params.uid, kind, {
          entityType: entity_type === undefined ? undefined : parseEntityType(entity_type),
          limit: limit ?? 50,
        });
        return presentAuthorship(result, kind === 'created' ? 'created_at' : 'updated_at');
      },
    );
  }
};

export default auditRoutes;
