import { createHash, randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
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

/**
 * Signs and verifies the two JWTs (HS256, separate secrets). Claims stay
 * wire-compatible with the old server (`sub`, `email`, `type`); refresh tokens add
 * `jti` and `fam` so they can be rotated and revoked per login.
 */
export class TokenIssuer {
  private readonly accessKey: Uint8Array;
  private readonly refreshKey: Uint8Array;

  constructor(private readonly settings: TokenSettings) {
    this.accessKey = new TextEncoder().encode(settings.accessSecret);
    this.refreshKey = new TextEncoder().encode(settings.refreshSecret);
  }

  async issueAccess(user: { id: string; email: string }): Promise<string> {
    return new SignJWT({ email: user.email, type: 'access' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${this.settings.accessTtlSeconds}s`)
      .sign(this.accessKey);
  }

  async issueRefresh(userId: string, familyId: string = randomUUID()): Promise<IssuedRefreshToken> {
    const tokenId = randomUUID();
    const expiresAt = new Date(Date.now() + this.settings.refreshTtlSeconds * 1000);
    const token = await new SignJWT({ type: 'refresh', fam: familyId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setJti(tokenId)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.refreshKey);
    return { token, tokenHash: hashToken(token), userId, tokenId, familyId, expiresAt };
  }

  async verifyAccess(token: string): Promise<AccessClaims> {
    const payload = await this.verify(token, this.accessKey, 'access');
    if (typeof payload.email !== 'string') throw new Unauthenticated('Invalid or expired token');
    return { userId: payload.sub, email: payload.email, expiresAt: new Date(payload.exp * 1000) };
  }

  async verifyRefresh(token: string): Promise<RefreshClaims> {
    const payload = await this.verify(token, this.refreshKey, 'refresh');
    if (typeof payload.jti !== 'string' || typeof payload.fam !== 'string') {
      throw new Unauthenticated('Invalid or expired token');
    }
    return { userId: payload.sub, tokenId: payload.jti, familyId: payload.fam, expiresAt: new Date(payload.exp * 1000) };
  }

  private async verify(token: string, key: Uint8Array, expectedType: 'access' | 'refresh') {
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
      if (payload.type !== expectedType) throw new Unauthenticated('Invalid token type');
      if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') {
        throw new Unauthenticated('Invalid or expired token');
      }
      return payload as typeof payload & { sub: string; exp: number };
    } catch (error) {
      if (error instanceof Unauthenticated) throw error;
      if (error instanceof errors.JOSEError) throw new Unauthenticated('Invalid or expired token');
      throw error;
    }
  }
}

/** Refresh tokens are stored only as this hash. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
