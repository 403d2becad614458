import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { users } from '../../db/schema.js';
import { GitHubNotConnected } from '../../integrations/github/errors.js';
import type { GitHubApi } from '../../integrations/github/octokit.js';
import { GrantRefused, type GrantedTokens, requestTokens, revokeGrant } from '../../integrations/github/oauth-client.js';
import { SecretUnreadable } from '../../infra/secret-box.js';
import type { ServiceContext } from '../context.js';
import { UpstreamFailure } from '../errors.js';
import { recomputeSetupCompleted } from '../mcpKeys/service.js';
import { mutate } from '../mutation.js';
import { recordUserChange } from '../users/record.js';

/** Tokens are refreshed when they have less than this left (reference §2.4). */
const REFRESH_MARGIN_MS = 5 * 60_000;
/** GitHub's classic OAuth tokens never expire; the row still records a horizon, as the reference did. */
const NON_EXPIRING_HORIZON_MS = 365 * 86_400_000;
const DEFAULT_REFRESH_LIFETIME_MS = 180 * 86_400_000;
/** Onboarding step "GitHub connected" (data-model §3.13). */
const ONBOARDING_GITHUB_STEP = 4;

/** A GitHub client acting for the caller, and on whose token. */
export interface GitHubSession {
  api: GitHubApi;
  /** `user`: the caller's own connected account; `deployment`: the server's `GITHUB_TOKEN`. */
  via: 'user' | 'deployment';
  /** The GitHub login behind a user token. */
  login: string | null;
}

interface StoredTokens {
  access: string;
  refresh: string | null;
  expiresAt: Date | null;
  refreshExpiresAt: Date | null;
  login: string | null;
}

/**
 * The GitHub client for the caller as they are now: their own token (refreshed first
 * when it is about to expire, re-sealed when it was sealed with an older key), else the
 * deployment's `GITHUB_TOKEN` when one is set, else GitHubNotConnected (409).
 */
export async function githubFor(ctx: ServiceContext): Promise<GitHubSession> {
  const { github } = ctx;
  const stored = await readStoredTokens(ctx.db, ctx.actor.id);
  if (stored) {
    const token = await usableToken(ctx, stored);
    return { api: github.clients.for({ key: `user:${ctx.actor.id}`, token }), via: 'user', login: stored.login };
  }
  if (github.config.deploymentToken) {
    return { api: github.clients.for({ key: 'deployment', token: github.config.deploymentToken }), via: 'deployment', login: null };
  }
  throw new GitHubNotConnected();
}

/**
 * Records what GitHub granted the user, sealed: the tokens, their expiry, the GitHub
 * login and avatar, onboarding raised to "GitHub connected", `setup_completed` worked out again.
 */
export async function storeGrant(ctx: ServiceContext, userId: string, grant: GrantedTokens, profile: { login: string; avatarUrl: string | null }): Promise<Date> {
  const sealed = await sealGrant(ctx, grant);
  await mutate(ctx, async (tx, record) => {
    await tx
      .update(users)
      .set({
        ...sealed,
        githubConnectedAt: new Date(),
        githubUsername: profile.login,
        avatarUrl: profile.avatarUrl,
        onboardingStep: sql`greatest(${users.onboardingStep}, ${ONBOARDING_GITHUB_STEP})`,
      })
      .where(eq(users.id, userId));
    await recomputeSetupCompleted(tx, userId);
    recordUserChange(record, userId, 'github_connected', { github_username: profile.login });
  });
  ctx.github.clients.forget(`user:${userId}`);
  return sealed.githubTokenExpiresAt;
}

/**
 * Disconnects the caller's GitHub account: the app's authorization is revoked at GitHub
 * first (best effort: a GitHub that is down or already forgot it does not stop the
 * disconnect), then the tokens and account are forgotten. Answers whether GitHub
 * confirmed the revocation.
 */
export async function disconnectGitHub(ctx: ServiceContext): Promise<{ revokedAtGitHub: boolean }> {
  const stored = await readStoredTokens(ctx.db, ctx.actor.id);
  let revokedAtGitHub = false;
  if (stored && ctx.github.config.oauth) {
    const token = await ctx.github.secrets.open(stored.access).catch(() => undefined);
    if (token !== undefined) revokedAtGitHub = await revokeGrant(ctx.github.config, token);
  }
  await clearGitHubTokens(ctx, ctx.actor.id);
  return { revokedAtGitHub };
}

/** Forgets the user's GitHub tokens and account (disconnect, or a refresh GitHub refused). */
export async function clearGitHubTokens(ctx: ServiceContext, userId: string, action = 'github_disconnected'): Promise<void> {
  await mutate(ctx, async (tx, record) => {
    await tx
      .update(users)
      .set({
        githubAccessTokenEncrypted: null,
        githubRefreshTokenEncrypted: null,
        githubTokenExpiresAt: null,
        githubRefreshTokenExpiresAt: null,
        githubConnectedAt: null,
        githubUsername: null,
        avatarUrl: null,
      })
      .where(eq(users.id, userId));
    await recomputeSetupCompleted(tx, userId);
    recordUserChange(record, userId, action);
  });
  ctx.github.clients.forget(`user:${userId}`);
}

async function sealGrant(ctx: ServiceContext, grant: GrantedTokens) {
  const now = Date.now();
  const { secrets } = ctx.github;
  return {
    githubAccessTokenEncrypted: await secrets.seal(grant.accessToken),
    githubRefreshTokenEncrypted: grant.refreshToken ? await secrets.seal(grant.refreshToken) : null,
    githubTokenExpiresAt: new Date(now + (grant.expiresInSeconds !== undefined ? grant.expiresInSeconds * 1000 : NON_EXPIRING_HORIZON_MS)),
    githubRefreshTokenExpiresAt: grant.refreshToken
      ? new Date(now + (grant.refreshTokenExpiresInSeconds !== undefined ? grant.refreshTokenExpiresInSeconds * 1000 : DEFAULT_REFRESH_LIFETIME_MS))
      : null,
  };
}

/** The user's GitHub columns as stored: tokens still sealed. */
export interface StoredAccount {
  access: string | null;
  refresh: string | null;
  expiresAt: Date | null;
  refreshExpiresAt: Date | null;
  login: string | null;
}

export async function readGitHubAccount(db: DbOrTx, userId: string): Promise<StoredAccount | undefined> {
  const [row] = await db
    .select({
      access: users.githubAccessTokenEncrypted,
      refresh: users.githubRefreshTokenEncrypted,
      expiresAt: users.githubTokenExpiresAt,
      refreshExpiresAt: users.githubRefreshTokenExpiresAt,
      login: users.githubUsername,
    })
    .from(users)
    .where(eq(users.id, userId));
  return row;
}

async function readStoredTokens(db: DbOrTx, userId: string): Promise<StoredTokens | undefined> {
  const row = await readGitHubAccount(db, userId);
  if (!row?.access) return undefined;
  return { access: row.access, refresh: row.refresh, expiresAt: row.expiresAt, refreshExpiresAt: row.refreshExpiresAt, login: row.login };
}

/** The plaintext access token, refreshed when due; still sealed values on `stored`. */
async function usableToken(ctx: ServiceContext, stored: StoredTokens): Promise<string> {
  const { secrets } = ctx.github;
  const due = stored.expiresAt !== null && stored.expiresAt.getTime() - Date.now() < REFRESH_MARGIN_MS;
  const refreshable = stored.refresh !== null && (stored.refreshExpiresAt === null || stored.refreshExpiresAt.getTime() > Date.now());
  if (due && refreshable && ctx.github.config.oauth) return refreshShared(ctx, stored);
  const token = await openOrDisconnected(ctx, stored.access);
  if (secrets.isStale(stored.access) || (stored.refresh !== null && secrets.isStale(stored.refresh))) await reseal(ctx, stored, token);
  return token;
}

async function openOrDisconnected(ctx: ServiceContext, sealed: string): Promise<string> {
  try {
    return await ctx.github.secrets.open(sealed);
  } catch (error) {
    if (!(error instanceof SecretUnreadable)) throw error;
    throw new GitHubNotConnected(`the stored GitHub token cannot be read with this server's ENCRYPTION_KEYS (${error.message}); connect GitHub again`);
  }
}

/** Moves the user's sealed tokens to the current key (key rotation: old keys can then be retired). */
async function reseal(ctx: ServiceContext, stored: StoredTokens, accessToken: string): Promise<void> {
  const { secrets } = ctx.github;
  const refreshToken = stored.refresh === null ? null : await openOrDisconnected(ctx, stored.refresh);
  await ctx.db
    .update(users)
    .set({
      githubAccessTokenEncrypted: await secrets.seal(accessToken),
      githubRefreshTokenEncrypted: refreshToken === null ? null : await secrets.seal(refreshToken),
    })
    // Only if nobody stored new tokens meanwhile.
    .where(sql`${users.id} = ${ctx.actor.id} and ${users.githubAccessTokenEncrypted} = ${stored.access}`);
}

function refreshShared(ctx: ServiceContext, stored: StoredTokens): Promise<string> {
  const userId = ctx.actor.id;
  const inFlight = ctx.github.refreshing.get(userId);
  if (inFlight) return inFlight;
  const refresh = refreshTokens(ctx, stored).finally(() => ctx.github.refreshing.delete(userId));
  ctx.github.refreshing.set(userId, refresh);
  return refresh;
}

async function refreshTokens(ctx: ServiceContext, stored: StoredTokens): Promise<string> {
  const refreshToken = await openOrDisconnected(ctx, stored.refresh!);
  let grant: GrantedTokens;
  try {
    grant = await requestTokens(ctx.github.config, { grant_type: 'refresh_token', refresh_token: refreshToken });
  } catch (error) {
    if (error instanceof GrantRefused) {
      // Another instance may have used the refresh token a moment ago: its tokens are good.
      const now = await readGitHubAccount(ctx.db, ctx.actor.id);
      if (now?.access && now.access !== stored.access) return openOrDisconnected(ctx, now.access);
      await clearGitHubTokens(ctx, ctx.actor.id, 'github_refresh_refused');
      throw new GitHubNotConnected('GitHub refused to refresh the authorization (it expired or was revoked); connect GitHub again');
    }
    // GitHub is down: a token that has not yet expired still works.
    if (error instanceof UpstreamFailure && stored.expiresAt !== null && stored.expiresAt.getTime() > Date.now()) {
      return openOrDisconnected(ctx, stored.access);
    }
    throw error;
  }
  const sealed = await sealGrant(ctx, grant);
  await ctx.db.update(users).set(sealed).where(eq(users.id, ctx.actor.id));
  ctx.github.clients.forget(`user:${ctx.actor.id}`);
  return grant.accessToken;
}
