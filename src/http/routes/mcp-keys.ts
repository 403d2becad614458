import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { createMcpKey, currentMcpKey, deleteMcpKey, getMcpKey, listMcpKeys, revokeMcpKey } from '../../domain/mcpKeys/service.js';
import { pageRequest } from '../../domain/pagination.js';
import { contextOf } from '../plugins/auth.js';
import { IdParams, errors, pageBody, paged } from '../schemas/common.js';
import { CreateMcpKeyBody, CreatedMcpKey, McpKey, McpKeyListQuery, presentMcpKey } from '../schemas/mcp-key.js';

const tags = ['mcp-keys'];
const security = [{ bearerAuth: [] }];

/** `/mcp-keys`: the caller's own MCP API keys. One is active at a time. */
const mcpKeysRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  const createSchema = {
    tags,
    security,
    description:
      'Revokes every active key of yours, then creates one. `plain_text_key` is shown only in this answer. ' +
      '`project_id` binds the key to one project you can read; `read_only` limits it to reading tools; ' +
      '`tool_profile` picks the MCP tool set (core, standard, all). Raises onboarding to step 2.',
    body: CreateMcpKeyBody,
    response: { 201: CreatedMcpKey, ...errors(401, 404, 422) },
  };
  for (const [path, summary] of [
    ['/mcp-keys', 'Create your MCP API key'],
    ['/mcp-keys/regenerate', 'Regenerate your MCP API key (same as creating one)'],
  ] as const) {
    app.post(path, { schema: { ...createSchema, summary } }, async (request, reply) => {
      const body = request.body ?? {};
      const { key, plaintext } = await createMcpKey(contextOf(request), {
        name: body.name,
        expiresInDays: body.expires_in_days,
        projectId: body.project_id,
        readOnly: body.read_only,
        toolProfile: body.tool_profile,
      });
      return reply.status(201).send({ key: presentMcpKey(key), plain_text_key: plaintext });
    });
  }

  app.get(
    '/mcp-keys/current',
    { schema: { tags, summary: 'Your active MCP API key', security, response: { 200: McpKey, ...errors(401, 404) } } },
    async (request) => presentMcpKey(await currentMcpKey(contextOf(request))),
  );

  app.get(
    '/mcp-keys',
    {
      schema: {
        tags,
        summary: 'List your MCP API keys, newest first',
        security,
        querystring: McpKeyListQuery,
        response: { 200: paged('keys', McpKey), ...errors(401, 422) },
      },
    },
    async (request) => {
      const { include_inactive, ...window } = request.query;
      return pageBody('keys', await listMcpKeys(contextOf(request), include_inactive ?? false, pageRequest(window)), presentMcpKey);
    },
  );

  app.get(
    '/mcp-keys/:id',
    { schema: { tags, summary: 'Get one of your MCP API keys', security, params: IdParams, response: { 200: McpKey, ...errors(401, 404, 422) } } },
    async (request) => presentMcpKey(await getMcpKey(contextOf(request), request.params.id)),
  );

  app.post(
    '/mcp-keys/:id/revoke',
    {
      schema: { tags, summary: 'Revoke one of your MCP API keys', security, params: IdParams, response: { 204: Type.Null(), ...errors(401, 404, 422) } },
    },
    async (request, reply) => {
      await revokeMcpKey(contextOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/mcp-keys/:id',
    {
      schema: { tags, summary: 'Delete one of your MCP API keys', security, params: IdParams, response: { 204: Type.Null(), ...errors(401, 404, 422) } },
    },
    async (request, reply) => {
      await deleteMcpKey(contextOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
};

export default mcpKeysRoutes;
