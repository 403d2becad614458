import { RuleViolation, UpstreamFailure } from '../../domain/errors.js';
import type { GitHubConfig } from '../../config.js';

/** What GitHub's token endpoint grants. `expiresIn` is absent for classic, non-expiring OAuth tokens. */
export interface GrantedTokens {
  accessToken: string;
  scope: string;
  expiresInSeconds: number | undefined;
  refreshToken: string | undefined;
  refreshTokenExpiresInSeconds: number | undefined;
}

/** GitHub refused the grant (a bad or used code, a verifier that does not match, a dead refresh token). */
export class GrantRefused extends RuleViolation {
  constructor(
    readonly code: string,
    description: string | undefined,
  ) {
    super(`GitHub refused the authorization: ${code}${description ? ` (${description})` : ''}`);
  }
}

type Grant =
  | { grant_type: 'authorization_code'; code: string; redirect_uri: string; code_verifier: string }
  | { grant_type: 'refresh_token'; refresh_token: string };

/**
 * GitHub's OAuth token endpoint (`<GITHUB_OAUTH_URL>/login/oauth/access_token`), the one
 * call of the flow that is not REST API and so not Octokit's. GitHub answers refusals
 * with HTTP 200 and an `error` field; both kinds of failure become domain errors.
 */
export async function requestTokens(config: GitHubConfig, grant: Grant): Promise<GrantedTokens> {
  const oauth = config.oauth;
  if (!oauth) throw new RuleViolation('GitHub OAuth is not configured on this server (GITHUB_OAUTH_CLIENT_ID, GITHUB_OAUTH_CLIENT_SECRET)');
  const form = new URLSearchParams({ client_id: oauth.clientId, client_secret: oauth.clientSecret, ...grant });
  let response: Response;
  try {
    response = await fetch(`${config.oauthUrl}/login/oauth/access_token`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'InTracker' },
      body: form,
      signal: AbortSignal.timeout(config.requestTimeoutMs),
    });
  } catch (error) {
    const timedOut = (error as { name?: unknown }).name === 'TimeoutError';
    throw new UpstreamFailure(timedOut ? `GitHub did not answer within ${config.requestTimeoutMs} ms` : `GitHub is unreachable: ${(error as Error).message}`);
  }
  const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!response.ok || !body) throw new UpstreamFailure(`GitHub's token endpoint failed (HTTP ${response.status})`);
  if (typeof body.error === 'string') {
    throw new GrantRefused(body.error, typeof body.error_description === 'string' ? body.error_description : undefined);
  }
  if (typeof body.access_token !== 'string' || body.access_token === '') throw new UpstreamFailure('GitHub granted no access token');
  return {
    accessToken: body.access_token,
    scope: typeof body.scope === 'string' ? body.scope : '',
    expiresInSeconds: positive(body.expires_in),
    refreshToken: typeof body.refresh_token === 'string' && body.refresh_token !== '' ? body.refresh_token : undefined,
    refreshTokenExpiresInSeconds: positive(body.refresh_token_expires_in),
  };
}

function positive(value: unknown): number | undefined {
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number > 0 ? number : undefined;
}

/**
 * Revokes the user's authorization of our OAuth app at GitHub (`DELETE
 * /applications/{client_id}/grant`, authenticated as the app), so a disconnected token
 * stops working there too. Answers whether GitHub confirmed it; never throws: a
 * disconnect must not fail because GitHub is down or already forgot the token.
 */
export async function revokeGrant(config: GitHubConfig, accessToken: string): Promise<boolean> {
  const oauth = config.oauth;
  if (!oauth) return false;
  try {
    const response = await fetch(`${config.apiUrl}/applications/${encodeURIComponent(oauth.clientId)}/grant`, {
      method: 'DELETE',
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Basic ${Buffer.from(`${oauth.clientId}:${oauth.clientSecret}`).toString('base64')}`,
        'content-type': 'application/json',
        'user-agent': 'InTracker',
      },
      body: JSON.stringify({ access_token: accessToken }),
      signal: AbortSignal.timeout(config.requestTimeoutMs),
    });
    await response.body?.cancel();
    return response.status === 204;
  } catch {
    return false;
  }
}
