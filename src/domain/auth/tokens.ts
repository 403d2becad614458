import { createHash, randomUUID } from 'node:crypto';
import { TokenError, createSigner, createVerifier } from 'fast-jwt';
import { LRUCache } from 'lru-cache';
import { Unauthenticated } from '../errors.js';

export interface TokenSettings {
  accessSecret: string;
  refreshSecret: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
}

export interface AccessClaims {
  userId: string;
  email: string;
  expiresAt: Date;
}

export interface RefreshClaims {
  userId: string;
  tokenId: string;
  familyId: string;
  expiresAt: Date;
}

export interface IssuedRefreshToken extends RefreshClaims {
  token: string;
  tokenHash: string;
}

type Sign = (payload: Record<string, unknown>) => string;
type Verify = (token: string) => Record<string, unknown>;

/**
 * Signs and verifies the two JWTs (HS256, separate secrets). Claims stay
 * wire-compatible with the old server (`sub`, `email`, `type`); refresh tokens add
 * `jti` and `fam` so they can be rotated and revoked per login.
 *
 * fast-jwt prepares each key once, here, and verifies with node's HMAC in a few
 * microseconds (jose's WebCrypto path cost ~130 µs a call on this machine, most of
 * every authenticated request). Verified access tokens are also remembered (bounded,
 * never past their `exp`), since a client sends the same token on every request
 * until it refreshes it; keyed by the token itself, so a hit costs one map look-up
 * (fast-jwt's own cache hashes every token it looks up).
 */
export class TokenIssuer {
  private readonly signAccess: Sign;
  private readonly signRefresh: Sign;
  private readonly verifyAccessToken: Verify;
  private readonly verifyRefreshToken: Verify;
  private readonly verifiedAccess = new LRUCache<string, AccessClaims>({ max: 10_000 });

  constructor(private readonly settings: TokenSettings) {
    this.signAccess = createSigner({ key: settings.accessSecret, algorithm: 'HS256', expiresIn: settings.accessTtlSeconds * 1000 });
    // Refresh tokens carry an explicit `exp`, the same instant that is stored with them.
    this.signRefresh = createSigner({ key: settings.refreshSecret, algorithm: 'HS256' });
    this.verifyAccessToken = createVerifier({ key: settings.accessSecret, algorithms: ['HS256'] });
    this.verifyRefreshToken = createVerifier({ key: settings.refreshSecret, algorithms: ['HS256'] });
  }

  async issueAccess(user: { id: string; email: string }): Promise<string> {
    return this.signAccess({ sub: user.id, email: user.email, type: 'access', jti: randomUUID() });
  }

  async issueRefresh(userId: string, familyId: string = randomUUID()): Promise<IssuedRefreshToken> {
    const tokenId = randomUUID();
    const expiresAt = new Date(Date.now() + this.settings.refreshTtlSeconds * 1000);
    const token = this.signRefresh({ sub: userId, type: 'refresh', fam: familyId, jti: tokenId, exp: Math.floor(expiresAt.getTime() / 1000) });
    return { token, tokenHash: hashToken(token), userId, tokenId, familyId, expiresAt };
  }

  async verifyAccess(token: string): Promise<AccessClaims> {
    const known = this.verifiedAccess.get(token);
    if (known && known.expiresAt.getTime() > Date.now()) return known;
    const payload = verifyClaims(this.verifyAccessToken, token, 'access');
    if (typeof payload.email !== 'string') throw new Unauthenticated('Invalid or expired token');
    const claims = { userId: payload.sub, email: payload.email, expiresAt: new Date(payload.exp * 1000) };
    this.verifiedAccess.set(token, claims, { ttl: Math.max(1, claims.expiresAt.getTime() - Date.now()) });
    return claims;
  }

  async verifyRefresh(token: string): Promise<RefreshClaims> {
    const payload = verifyClaims(this.verifyRefreshToken, token, 'refresh');
    if (typeof payload.jti !== 'string' || typeof payload.fam !== 'string') {
      throw new Unauthenticated('Invalid or expired token');
    }
    return { userId: payload.sub, tokenId: payload.jti, familyId: payload.fam, expiresAt: new Date(payload.exp * 1000) };
  }
}

function verifyClaims(verify: Verify, token: string, expectedType: 'access' | 'refresh') {
  let payload: Record<string, unknown>;
  try {
    payload = verify(token);
  } catch (error) {
    if (error instanceof TokenError) throw new Unauthenticated('Invalid or expired token');
    throw error;
  }
  if (payload.type !== expectedType) throw new Unauthenticated('Invalid token type');
  if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') throw new Unauthenticated('Invalid or expired token');
  return payload as typeof payload & { sub: string; exp: number };
}

/** Refresh tokens are stored only as this hash. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
