import { webcrypto } from 'node:crypto';
import { GitHubNotConnected } from '../../integrations/github/errors.js';
import { requestTokens } from '../../integrations/github/oauth-client.js';
import type { PendingAuthorization } from '../../integrations/github/oauth-state.js';
import { randomBytesAsync } from '../../infra/random.js';
import type { ServiceContext } from '../context.js';
import { DomainError, Forbidden, RuleViolation, Unauthenticated } from '../errors.js';
import { githubFor, readGitHubAccount, storeGrant } from './connection.js';
import type { GitHubIntegration } from './integration.js';

/** What InTracker asks GitHub for: repositories (issues, branches, pulls), the user's orgs and profile. */
const SCOPES = 'repo read:org read:user user:email';
const DEFAULT_REDIRECT_PATH = '/settings';
const MAX_REDIRECT_PATH = 500;
/** RFC 7636's unreserved characters, which survive every hop of the flow unencoded. */
const CLIENT_STATE = /^[A-Za-z0-9._~-]{16,200}$/;

export interface StartedAuthorization {
  authorizationUrl: string;
  state: string;
}

/**
 * Starts connecting the caller's GitHub account: a PKCE verifier kept server side under
 * the `state` (10 minutes, single use), and GitHub's authorization URL carrying its
 * S256 challenge, for the browser to visit.
 */
export async function startGitHubAuthorization(ctx: ServiceContext, input: { redirectPath?: string | undefined; state?: string | undefined }): Promise<StartedAuthorization> {
  const { config, states } = ctx.github;
  const oauth = config.oauth;
  if (!oauth) throw new RuleViolation('GitHub OAuth is not configured on this server');
  const redirectPath = checkedRedirectPath(input.redirectPath ?? DEFAULT_REDIRECT_PATH);
  const state = input.state ?? (await randomBytesAsync(16)).toString('base64url');
  if (!CLIENT_STATE.test(state)) throw new RuleViolation('state must be 16 to 200 characters of letters, digits, ".", "_", "~" and "-"');
  const verifier = (await randomBytesAsync(32)).toString('base64url');
  const challenge = Buffer.from(await webcrypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))).toString('base64url');
  await states.put(state, { verifier, userId: ctx.actor.id, redirectPath });
  const query = new URLSearchParams({
    client_id: oauth.clientId,
    redirect_uri: oauth.redirectUri,
    scope: SCOPES,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  return { authorizationUrl: `${config.oauthUrl}/login/oauth/authorize?${query}`, state };
}

/** Where the web client may send the user back to: a path on its own origin, nowhere else. */
function checkedRedirectPath(path: string): string {
  if (path.length > MAX_REDIRECT_PATH) throw new RuleViolation(`redirect_path must be at most ${MAX_REDIRECT_PATH} characters`);
  // "//host" and "/\host" are other sites to a browser; control characters and spaces have no place in a path.
  if (!path.startsWith('/') || path[1] === '/' || path.includes('\\') || hasControlOrSpace(path)) {
    throw new RuleViolation('redirect_path must be a path on the web client, starting with a single "/"');
  }
  return path;
}

function hasControlOrSpace(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code <= 0x20 || code === 0x7f) return true;
  }
  return false;
}

export interface ConnectedAccount {
  githubUsername: string;
  avatarUrl: string | null;
  redirectPath: string;
}

/** A callback that failed, with where the user meant to go back to (the default when the state was unknown). */
export interface FailedAuthorization {
  failure: DomainError;
  redirectPath: string;
}

export interface CallbackInput {
  state: string;
  code: string | undefined;
  /** What GitHub sent instead of a code (the user declined, the app is suspended…). */
  githubError: { code: string; description: string | undefined } | undefined;
}

export interface CallbackParties {
  /** The user behind a valid Bearer token sent with the callback, if any. */
  callerId: string | undefined;
  /** The service context of a user as they are now; undefined when deleted or deactivated. */
  contextOf(userId: string): Promise<ServiceContext | undefined>;
}

/**
 * Finishes connecting: takes the `state` (once), exchanges GitHub's code with the kept
 * PKCE verifier, reads the account behind the new token and stores the grant sealed.
 * The account is the Bearer caller's when one is sent (it must be who started), else
 * the starter's: GitHub may send the browser straight here, without our token.
 * Domain failures come back as a value, with the path the user meant to return to.
 */
export async function completeGitHubAuthorization(
  github: GitHubIntegration,
  parties: CallbackParties,
  input: CallbackInput,
): Promise<ConnectedAccount | FailedAuthorization> {
  let pending: PendingAuthorization | undefined;
  try {
    pending = await github.states.take(input.state);
    if (!pending) {
      throw new RuleViolation('This GitHub authorization is unknown, expired (after 10 minutes) or already used; connect GitHub again');
    }
    return await connect(github, parties, pending, input);
  } catch (error) {
    if (error instanceof DomainError) return { failure: error, redirectPath: pending?.redirectPath ?? DEFAULT_REDIRECT_PATH };
    throw error;
  }
}

async function connect(github: GitHubIntegration, parties: CallbackParties, pending: PendingAuthorization, input: CallbackInput): Promise<ConnectedAccount> {
  if (parties.callerId !== undefined && parties.callerId !== pending.userId) {
    throw new Forbidden('This GitHub authorization was started by another user; connect GitHub again while signed in as yourself');
  }
  if (input.githubError) {
    const { code, description } = input.githubError;
    throw new RuleViolation(`GitHub did not authorize InTracker: ${code}${description ? ` (${description})` : ''}`);
  }
  if (input.code === undefined) throw new RuleViolation('code is required');
  const oauth = github.config.oauth;
  if (!oauth) throw new RuleViolation('GitHub OAuth is not configured on this server');
  // A state alone does not prove whose browser brings the code back: someone could
  // start an authorization and lure a victim signed in to GitHub through it, landing
  // the victim's token on their own account. So the state's user is trusted only when
  // GitHub sends the browser straight to this API, where no Bearer token can come.
  if (parties.callerId === undefined && !redirectsToThisApi(oauth.redirectUri)) {
    throw new Unauthenticated('Sign in first: the GitHub callback must carry your InTracker token');
  }
  const ctx = await parties.contextOf(pending.userId);
  if (!ctx) throw new Unauthenticated('User not found or inactive');
  const grant = await requestTokens(github.config, {
    grant_type: 'authorization_code',
    code: input.code,
    redirect_uri: oauth.redirectUri,
    code_verifier: pending.verifier,
  });
  const api = github.clients.for({ key: `user:${pending.userId}`, token: grant.accessToken });
  const { data: profile } = await api.rest.users.getAuthenticated();
  await storeGrant(ctx, pending.userId, grant, { login: profile.login, avatarUrl: profile.avatar_url || null });
  return { githubUsername: profile.login, avatarUrl: profile.avatar_url || null, redirectPath: pending.redirectPath };
}

function redirectsToThisApi(redirectUri: string): boolean {
  return /\/auth\/github\/callback\/?$/.test(new URL(redirectUri).pathname);
}

export interface GitHubConnectionStatus {
  connected: boolean;
  via: 'user' | 'deployment' | null;
  githubUsername: string | null;
  tokenExpiresAt: Date | null;
  scopes?: string[];
  reason?: string;
}

/**
 * Whether GitHub accepts the token the caller's GitHub work would use, asked live
 * (`GET /user`): refreshing an expiring token and re-sealing one under an old key on
 * the way, as every GitHub call does. A token GitHub refuses reads as not connected,
 * with the reason; GitHub itself failing stays a 502 (the answer is unknown).
 */
export async function gitHubConnectionStatus(ctx: ServiceContext): Promise<GitHubConnectionStatus> {
  let session: Awaited<ReturnType<typeof githubFor>>;
  try {
    session = await githubFor(ctx);
  } catch (error) {
    if (!(error instanceof GitHubNotConnected)) throw error;
    const stored = await storedAccount(ctx);
    return { connected: false, via: stored.connected ? 'user' : null, githubUsername: stored.login, tokenExpiresAt: stored.expiresAt, reason: error.message };
  }
  try {
    const { data, headers } = await session.api.rest.users.getAuthenticated();
    const stored = session.via === 'user' ? await storedAccount(ctx) : undefined;
    const scopes = headers['x-oauth-scopes'];
    return {
      connected: true,
      via: session.via,
      githubUsername: data.login,
      tokenExpiresAt: stored?.expiresAt ?? null,
      ...(typeof scopes === 'string' ? { scopes: scopes.split(',').map((scope) => scope.trim()).filter(Boolean) } : {}),
    };
  } catch (error) {
    if (!(error instanceof GitHubNotConnected)) throw error;
    const stored = session.via === 'user' ? await storedAccount(ctx) : undefined;
    return { connected: false, via: session.via, githubUsername: stored?.login ?? null, tokenExpiresAt: stored?.expiresAt ?? null, reason: error.message };
  }
}

async function storedAccount(ctx: ServiceContext): Promise<{ connected: boolean; login: string | null; expiresAt: Date | null }> {
  const row = await readGitHubAccount(ctx.db, ctx.actor.id);
  return { connected: Boolean(row?.access), login: row?.login ?? null, expiresAt: row?.expiresAt ?? null };
}
