import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { disconnectGitHub } from '../../domain/github/connection.js';
import { completeGitHubAuthorization, gitHubConnectionStatus, startGitHubAuthorization } from '../../domain/github/oauth.js';
import { Unauthenticated } from '../../domain/errors.js';
import { bearerToken } from '../../infra/bearer.js';
import { contextOf } from '../plugins/auth.js';
import { errors } from '../schemas/common.js';
import { AuthorizeQuery, AuthorizeResponse, CallbackQuery, CallbackResponse, DisconnectResponse, GitHubStatus, missingQueryParameter } from '../schemas/github-auth.js';

const tags = ['github'];
const security = [{ bearerAuth: [] }];

/** `/auth/github/*`: connecting a user's GitHub account (OAuth code flow with PKCE, reference §2.4). */
const githubAuthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { auth, database, github } = app.services;

  app.get(
    '/auth/github/authorize',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'Start connecting your GitHub account',
        description:
          'Answers the GitHub page to send the browser to (PKCE S256). GitHub then sends the browser to GITHUB_OAUTH_REDIRECT_URI ' +
          'with `code` and `state`, to be handed to `/auth/github/callback` within 10 minutes.',
        security,
        querystring: AuthorizeQuery,
        response: { 200: AuthorizeResponse, ...errors(400, 401, 409, 422, 502) },
      },
    },
    async (request) => {
      const started = await startGitHubAuthorization(contextOf(request), { redirectPath: request.query.redirect_path, state: request.query.state });
      return { authorization_url: started.authorizationUrl, state: started.state };
    },
  );

  app.get(
    '/auth/github/callback',
    {
      schema: {
        tags,
        summary: 'Finish connecting your GitHub account',
        description:
          "Exchanges GitHub's `code` for tokens, stored encrypted. The Bearer token is optional: without one the account is the one " +
          'that started the authorization; with one it must be that account (else 403). A browser sent here directly (`Accept: text/html`) ' +
          'is redirected to FRONTEND_URL + redirect_path with `?github=connected` or `?github_error=<reason>`.',
        security: [{}, ...security],
        querystring: CallbackQuery,
        response: { 200: CallbackResponse, 302: Type.Null({ description: 'Back to the web client (browsers only)' }), ...errors(400, 401, 403, 409, 422, 502) },
      },
    },
    async (request, reply) => {
      const { code, state, error, error_description } = request.query;
      if (code === undefined && error === undefined) throw missingQueryParameter('code');
      const outcome = await completeGitHubAuthorization(
        github,
        {
          callerId: await bearerUserId(request),
          contextOf: async (userId) => {
            const actor = await auth.actorNow(database.db, userId);
            return actor && app.services.contextFor(actor);
          },
        },
        { state, code, githubError: error === undefined ? undefined : { code: error, description: error_description } },
      );
      if (prefersHtml(request)) {
        const back = new URL(`${app.services.config.frontendUrl}${outcome.redirectPath}`);
        if ('failure' in outcome) back.searchParams.set('github_error', outcome.failure.message);
        else back.searchParams.set('github', 'connected');
        return reply.redirect(back.toString(), 302);
      }
      if ('failure' in outcome) throw outcome.failure;
      return {
        message: 'GitHub account connected successfully',
        github_username: outcome.githubUsername,
        avatar_url: outcome.avatarUrl,
        redirect_path: outcome.redirectPath,
      };
    },
  );

  app.post(
    '/auth/github/disconnect',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'Disconnect your GitHub account',
        description:
          'Revokes the app’s authorization at GitHub (best effort; `github_grant_revoked` says whether GitHub confirmed it), ' +
          'then forgets the stored tokens, GitHub username and avatar.',
        security,
        response: { 200: DisconnectResponse, ...errors(401) },
      },
    },
    async (request) => {
      const { revokedAtGitHub } = await disconnectGitHub(contextOf(request));
      return { message: 'GitHub account disconnected successfully', github_grant_revoked: revokedAtGitHub };
    },
  );

  app.get(
    '/auth/github/status',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'Whether GitHub accepts your token now',
        description:
          'Asks GitHub (`GET /user`) with the token your GitHub work would use: your own (refreshed when about to expire) or else the ' +
          "server's GITHUB_TOKEN. A token GitHub refuses answers `connected: false` with the `reason`; GitHub failing answers 502.",
        security,
        response: { 200: GitHubStatus, ...errors(401, 502) },
      },
    },
    async (request) => {
      const status = await gitHubConnectionStatus(contextOf(request));
      return {
        connected: status.connected,
        via: status.via,
        github_username: status.githubUsername,
        token_expires_at: status.tokenExpiresAt,
        ...(status.scopes ? { scopes: status.scopes } : {}),
        ...(status.reason ? { reason: status.reason } : {}),
      };
    },
  );

  /** The user of a valid Bearer token; a missing, expired or foreign one counts as none (the state names the user). */
  async function bearerUserId(request: FastifyRequest): Promise<string | undefined> {
    const token = bearerToken(request.headers.authorization);
    if (!token) return undefined;
    try {
      return (await auth.authenticate(database.db, token)).id;
    } catch (error) {
      if (error instanceof Unauthenticated) return undefined;
      throw error;
    }
  }
};

/** A browser navigating here (GitHub's redirect), rather than the web client's API call. */
function prefersHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html') && !accept.includes('application/json');
}

export default githubAuthRoutes;
