import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bodyFields, queryParam, sendMessage, sendNotFound } from './http.js';
import type { FakeGitHubState } from './state.js';

const CODE_LIFETIME_MS = 10 * 60 * 1000;
/** GitHub's lifetimes for expiring user tokens: 8 hours, and 6 months for the refresh token. */
const DEFAULT_ACCESS_TOKEN_SECONDS = 28_800;
const REFRESH_TOKEN_SECONDS = 15_897_600;
/** What GitHub grants an app asking for the scopes InTracker asks for. */
const GRANTED_SCOPE = 'repo,read:org,read:user,user:email';

interface PendingCode {
  login: string;
  redirectUri: string | undefined;
  codeChallenge: string | undefined;
  expiresAt: number;
}

interface RefreshGrant {
  login: string;
  expiresAt: number;
}

type TokenResponse = Record<string, string | number>;

/**
 * GitHub's OAuth web flow: `/login/oauth/authorize` signs the chosen fake user in at
 * once (no page to click through) and redirects back with a code, which
 * `/login/oauth/access_token` exchanges for a token, checking PKCE when it was used.
 */
export class OAuthServer {
  private readonly codes = new Map<string, PendingCode>();
  private readonly refreshGrants = new Map<string, RefreshGrant>();
  private expiringTokens = false;
  private accessTokenSeconds = DEFAULT_ACCESS_TOKEN_SECONDS;
  private signedInLogin: string | undefined;

  constructor(
    private readonly state: FakeGitHubState,
    readonly clientId: string,
    readonly clientSecret: string,
  ) {}

  signInAs(login: string): void {
    if (!this.state.users.has(login)) throw new Error(`fake GitHub: no user ${login} to sign in as (addUser first)`);
    this.signedInLogin = login;
  }

  setExpiringTokens(on: boolean, expiresInSeconds = DEFAULT_ACCESS_TOKEN_SECONDS): void {
    this.expiringTokens = on;
    this.accessTokenSeconds = expiresInSeconds;
  }

  /** Refresh tokens issued so far (for `login`, else everyone's) now get bad_refresh_token. */
  revokeRefreshTokens(login?: string): void {
    for (const [token, grant] of this.refreshGrants) if (login === undefined || grant.login === login) this.refreshGrants.delete(token);
  }

  register(app: FastifyInstance): void {
    app.get('/login/oauth/authorize', async (request, reply) => this.authorize(request, reply));
    // Authenticated as the app (Basic client_id:client_secret), like GitHub: wrong credentials are a 404.
    app.delete<{ Params: { client_id: string } }>('/applications/:client_id/grant', async (request, reply) => {
      const expected = `Basic ${Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64')}`;
      if (request.params.client_id !== this.clientId || request.headers.authorization !== expected) return sendNotFound(reply);
      const token = bodyFields(request).access_token;
      const login = typeof token === 'string' ? this.state.revokeGrantOf(token) : undefined;
      if (login === undefined) return sendMessage(reply, 422, 'Validation Failed');
      this.revokeRefreshTokens(login);
      return reply.status(204).send();
    });
    app.post('/login/oauth/access_token', async (request, reply) => {
      const fields = this.tokenRequestFields(request);
      return sendTokenResponse(request, reply, this.grant(fields));
    });
  }

  private authorize(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    if (queryParam(request, 'client_id') !== this.clientId) return sendNotFound(reply);
    const redirectUri = queryParam(request, 'redirect_uri');
    // A real app has a registered callback URL to fall back on; this fake has none.
    if (redirectUri === undefined) return sendMessage(reply, 400, 'The fake GitHub needs a redirect_uri');
    const login = this.signedInLogin ?? this.state.users.keys().next().value;
    if (login === undefined) return sendMessage(reply, 400, 'The fake GitHub has no user to sign in (addUser first)');

    const location = new URL(redirectUri);
    const state = queryParam(request, 'state');
    if (state !== undefined) location.searchParams.set('state', state);
    const codeChallenge = queryParam(request, 'code_challenge');
    const method = queryParam(request, 'code_challenge_method') ?? 'S256';
    if (codeChallenge !== undefined && method !== 'S256') {
      // GitHub supports S256 only; the error goes back to the app as OAuth errors do.
      location.searchParams.set('error', 'invalid_request');
      location.searchParams.set('error_description', 'code_challenge_method must be S256');
      return reply.redirect(location.toString(), 302);
    }
    const code = randomBytes(10).toString('hex');
    this.codes.set(code, { login, redirectUri, codeChallenge, expiresAt: Date.now() + CODE_LIFETIME_MS });
    location.searchParams.set('code', code);
    return reply.redirect(location.toString(), 302);
  }

  /** GitHub takes the parameters from the query string or the (form or JSON) body. */
  private tokenRequestFields(request: FastifyRequest): Record<string, string | undefined> {
    const fields: Record<string, string | undefined> = Object.fromEntries(new URL(request.url, 'http://fake.invalid').searchParams);
    for (const [name, value] of Object.entries(bodyFields(request))) {
      if (typeof value === 'string' || typeof value === 'number') fields[name] = String(value);
    }
    return fields;
  }

  private grant(fields: Record<string, string | undefined>): TokenResponse {
    if (fields.client_id !== this.clientId || fields.client_secret !== this.clientSecret) {
      return oauthError('incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.');
    }
    switch (fields.grant_type ?? 'authorization_code') {
      case 'authorization_code':
        return this.exchangeCode(fields);
      case 'refresh_token':
        return this.refresh(fields.refresh_token);
      default:
        return oauthError('unsupported_grant_type', 'The grant_type must be authorization_code or refresh_token.');
    }
  }

  private exchangeCode(fields: Record<string, string | undefined>): TokenResponse {
    const code = fields.code ?? '';
    const pending = this.codes.get(code);
    // Single use even when the exchange fails below: a leaked code must not be retried.
    this.codes.delete(code);
    if (!pending || pending.expiresAt <= Date.now()) return oauthError('bad_verification_code', 'The code passed is incorrect or expired.');
    if (pending.redirectUri !== undefined && fields.redirect_uri !== pending.redirectUri) {
      return oauthError('redirect_uri_mismatch', 'The redirect_uri must match the one given to /login/oauth/authorize.');
    }
    if (pending.codeChallenge !== undefined) {
      const verifier = fields.code_verifier;
      if (verifier === undefined || createHash('sha256').update(verifier).digest('base64url') !== pending.codeChallenge) {
        return oauthError('bad_verification_code', 'The code_verifier does not match the code_challenge.');
      }
    }
    return this.issueTokens(pending.login, this.expiringTokens);
  }

  private refresh(refreshToken: string | undefined): TokenResponse {
    const grant = this.refreshGrants.get(refreshToken ?? '');
    this.refreshGrants.delete(refreshToken ?? '');
    if (!grant || grant.expiresAt <= Date.now()) return oauthError('bad_refresh_token', 'The refresh token passed is incorrect or expired.');
    // Refresh tokens only exist for expiring tokens, so what they buy expires too.
    return this.issueTokens(grant.login, true);
  }

  /** GitHub's prefixes: gho_ classic OAuth token; ghu_/ghr_ expiring user token and its refresh token. */
  private issueTokens(login: string, expiring: boolean): TokenResponse {
    if (!expiring) {
      return { access_token: this.state.issueToken(login, 'gho_', null), token_type: 'bearer', scope: GRANTED_SCOPE };
    }
    const refreshToken = `ghr_${randomBytes(18).toString('hex')}`;
    this.refreshGrants.set(refreshToken, { login, expiresAt: Date.now() + REFRESH_TOKEN_SECONDS * 1000 });
    return {
      access_token: this.state.issueToken(login, 'ghu_', this.accessTokenSeconds),
      expires_in: this.accessTokenSeconds,
      refresh_token: refreshToken,
      refresh_token_expires_in: REFRESH_TOKEN_SECONDS,
      token_type: 'bearer',
      scope: GRANTED_SCOPE,
    };
  }
}

function oauthError(error: string, description: string): TokenResponse {
  return { error, error_description: description, error_uri: 'https://docs.github.com/apps/oauth-apps' };
}

/** Errors too are HTTP 200, as on GitHub; JSON only when asked for, form-encoded otherwise. */
function sendTokenResponse(request: FastifyRequest, reply: FastifyReply, response: TokenResponse): FastifyReply {
  if ((request.headers.accept ?? '').includes('application/json')) return reply.code(200).send(response);
  const form = new URLSearchParams(Object.entries(response).map(([name, value]): [string, string] => [name, String(value)]));
  return reply.code(200).header('content-type', 'application/x-www-form-urlencoded; charset=utf-8').send(form.toString());
}
