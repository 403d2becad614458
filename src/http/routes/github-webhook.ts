import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { receiveGitHubWebhook } from '../../domain/github/webhooks.js';
import { StringEnum, errors } from '../schemas/common.js';

/**
 * GitHub sends payloads of up to 25 MB; the events acted on (pull requests, issues)
 * are far smaller, and anything this large is refused before it is read whole.
 */
const WEBHOOK_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

const WebhookAnswer = Type.Object({
  status: StringEnum(['processed', 'duplicate', 'ignored', 'pong'] as const),
  event: Type.Optional(Type.String()),
  action: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  todos_updated: Type.Optional(Type.Integer()),
  projects: Type.Optional(Type.Integer()),
});

/** `POST /github/webhook`: signed deliveries from GitHub (no JWT: the signature is the credential). */
const githubWebhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // The signature is over the exact bytes GitHub sent, so this route (only) keeps the
  // raw body; the domain parses it once the signature holds.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT_BYTES }, (_request, body, done) => done(null, body));
  const { services } = app;

  app.post(
    '/github/webhook',
    {
      bodyLimit: WEBHOOK_BODY_LIMIT_BYTES,
      schema: {
        tags: ['github'],
        summary: 'Receive a GitHub webhook delivery (signed with GITHUB_WEBHOOK_SECRET)',
        description:
          'Verifies `X-Hub-Signature-256`, acts once per `X-GitHub-Delivery`: a merged pull request makes its linked todos done, ' +
          'an opened/edited one links them, `issues` edited/closed/reopened update the imported todo. ' +
          'Unknown events and repositories no project is connected to answer 202 `ignored`.',
        headers: Type.Object({
          'x-github-event': Type.Optional(Type.String({ maxLength: 100 })),
          'x-github-delivery': Type.Optional(Type.String({ maxLength: 200 })),
          'x-hub-signature-256': Type.Optional(Type.String({ maxLength: 200 })),
        }),
        response: { 200: WebhookAnswer, 202: WebhookAnswer, ...errors(400, 401, 413, 415, 422, 503) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const answer = await receiveGitHubWebhook(
        { db: services.database.db, secret: services.config.github.webhookSecret, contextFor: (actor) => services.contextFor(actor) },
        {
          event: request.headers['x-github-event'],
          deliveryId: request.headers['x-github-delivery'],
          signature: request.headers['x-hub-signature-256'],
          rawBody: Buffer.isBuffer(body) ? body : Buffer.alloc(0),
        },
      );
      return reply.status(answer.httpStatus).send(answer.body);
    },
  );
};

export default githubWebhookRoutes;
