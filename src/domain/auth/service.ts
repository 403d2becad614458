import { randomUUID } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.js';
import { refreshTokens, teamMembers, users } from '../../db/schema.js';
import type { PasswordHashing } from '../../infra/passwords.js';
import { randomToken } from '../../infra/random.js';
import { actorRecord } from '../access.js';
import type { Actor, ServiceContext } from '../context.js';
import { Conflict, RuleViolation, Unauthenticated, isUniqueViolation } from '../errors.js';
import { assertInvitationUsable, claimInvitation, recordInvitationChange } from '../invitations/service.js';
import { mutate } from '../mutation.js';
import { createPersonalTeam, recordTeamChange } from '../teams/service.js';
import { recordUserChange } from '../users/record.js';
import type { UserRow } from '../users/presenter.js';
import { normalizeEmail, passwordPolicyMessage, passwordProblems } from '../users/rules.js';
import type { DomainMemo } from '../memo.js';
import { hashToken, type TokenIssuer } from './tokens.js';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

export interface RegisterInput {
  email: string;
  password: string;
  name?: string | null | undefined;
  invitationCode: string;
}

const INVALID_CREDENTIALS = 'Invalid email or password';
export const INACTIVE_USER = 'User not found or inactive';

/**
 * Registration, login and the refresh-token life cycle. Built once per app with its
 * token issuer; every call gets the database explicitly.
 */
export class AuthService {
  // Verified against when the email is unknown, so both failures cost one argon2 run.
  private readonly dummyHash: Promise<string>;

  constructor(
    private readonly tokens: TokenIssuer,
    private readonly memo: DomainMemo,
    private readonly passwords: PasswordHashing,
  ) {
    this.dummyHash = randomToken(16).then((secret) => passwords.hash(secret));
  }

  /**
   * The code is checked before the address, so a bad code answers the same whether
   * the address is registered or not: only a holder of a good code learns that an
   * address is taken. The account, its membership (or its own team) and the use of
   * the code are one mutation, acted by the new user, with its audit rows and events.
   */
  async register(
    db: Db,
    contextFor: (actor: Actor) => ServiceContext,
    input: RegisterInput,
  ): Promise<{ user: UserRow; tokens: TokenPair }> {
    assertPasswordPolicy(input.password);
    const email = normalizeEmail(input.email);
    await assertInvitationUsable(db, input.invitationCode);
    const [existing] = await db.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
    if (existing) throw new Conflict('Email already registered');
    const passwordHash = await this.passwords.hash(input.password);
    // Chosen here so the new user can be the mutation's actor from its first row on.
    const ctx = contextFor({ id: randomUUID(), email, role: 'member' });

    const user = await mutate(ctx, async (tx, record) => {
      const [created] = await tx
        .insert(users)
        .values({ id: ctx.actor.id, email, name: input.name?.trim() || null, passwordHash, role: 'member' })
        .returning();
      const invitation = await claimInvitation(tx, input.invitationCode, created!.id);
      recordInvitationChange(record, invitation, 'used');
      if (invitation.type === 'team') {
        await tx.insert(teamMembers).values({ teamId: invitation.teamId!, userId: created!.id, role: invitation.memberRole });
        recordTeamChange(record, invitation.teamId!, 'member_added', { userId: created!.id, after: { role: invitation.memberRole } });
        recordUserChange(record, created!.id, 'registered', { role: created!.role });
        return created!;
      }
      // An admin code makes a team leader with a team of their own; on an installation
      // without any admin yet (the first-start code), it makes the first admin.
      const role = (await hasAdmin(tx)) ? 'team_leader' : 'admin';
      const [promoted] = await tx.update(users).set({ role }).where(eq(users.id, created!.id)).returning();
      await createPersonalTeam(tx, promoted!, record);
      recordUserChange(record, created!.id, 'registered', { role });
      return promoted!;
    }).catch((error: unknown) => {
      if (isUniqueViolation(error, 'users_email_key')) throw new Conflict('Email already registered');
      throw error;
    });
    return { user, tokens: await this.issuePair(db, user) };
  }

  async login(db: Db, emailInput: string, password: string): Promise<{ user: UserRow; tokens: TokenPair }> {
    const email = normalizeEmail(emailInput);
    const [user] = await db.select().from(users).where(eq(users.email, email)).limit(1);
    const passwordMatches = await this.passwords.verify(user?.passwordHash ?? (await this.dummyHash), password);
    if (!user || !passwordMatches) throw new Unauthenticated(INVALID_CREDENTIALS);
    if (!user.isActive) throw new Unauthenticated('User account is inactive');
    const [loggedIn] = await db.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, user.id)).returning();
    return { user: loggedIn!, tokens: await this.issuePair(db, loggedIn!) };
  }

  /**
   * Rotates a refresh token. Each token works once: the conditional UPDATE marks it
   * rotated, and presenting an already-rotated token is treated as theft, so the
   * whole family (that login on every device that got its tokens) is revoked.
   */
  async refresh(db: Db, refreshToken: string): Promise<TokenPair> {
    const claims = await this.tokens.verifyRefresh(refreshToken);
    const [rotated] = await db
      .update(refreshTokens)
      .set({ rotatedAt: new Date() })
      .where(
        and(
          eq(refreshTokens.id, claims.tokenId),
          eq(refreshTokens.tokenHash, hashToken(refreshToken)),
          isNull(refreshTokens.rotatedAt),
          isNull(refreshTokens.revokedAt),
          gt(refreshTokens.expiresAt, sql`now()`),
        ),
      )
      .returning();
    if (!rotated) {
      await revokeFamily(db, claims.familyId);
      throw new Unauthenticated('Refresh token has been revoked');
    }
    const user = await loadActiveUser(db, rotated.userId);
    return this.issuePair(db, user, rotated.familyId);
  }

  /** Revokes the given refresh token's family, or every login of the user without one. */
  async logout(db: Db, actor: Actor, refreshToken?: string): Promise<void> {
    if (refreshToken) {
      const claims = await this.tokens.verifyRefresh(refreshToken).catch(() => undefined);
      if (claims && claims.userId === actor.id) return revokeFamily(db, claims.familyId);
    }
    await db
      .update(refreshTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(refreshTokens.userId, actor.id), isNull(refreshTokens.revokedAt)));
  }

  async currentUser(db: Db, actor: Actor): Promise<UserRow> {
    return loadActiveUser(db, actor.id);
  }

  /**
   * Resolves a bearer token to the acting user as they are now: the memo holds users
   * until an event says they changed, so a deactivated or demoted user is refused or
   * demoted on their very next request.
   */
  async authenticate(db: Db, accessToken: string): Promise<Actor> {
    return (await this.authenticateSession(db, accessToken)).actor;
  }

  /**
   * The same, with the instant the token stops being valid: a long-lived connection
   * (the hub's WebSocket) must end when its token does.
   */
  async authenticateSession(db: Db, accessToken: string): Promise<{ actor: Actor; expiresAt: Date }> {
    const claims = await this.tokens.verifyAccess(accessToken);
    const actor = await this.actorNow(db, claims.userId);
    if (!actor) throw new Unauthenticated(INACTIVE_USER);
    return { actor, expiresAt: claims.expiresAt };
  }

  /** The user as they are now (through the memo), or undefined when deleted or deactivated. */
  async actorNow(db: Db, userId: string): Promise<Actor | undefined> {
    const user = await actorRecord(this.memo, db, userId);
    if (!user || !user.isActive) return undefined;
    return { id: user.id, email: user.email, role: user.role };
  }

  private async issuePair(db: DbOrTx, user: UserRow, familyId?: string): Promise<TokenPair> {
    const [accessToken, refresh] = await Promise.all([
      this.tokens.issueAccess(user),
      this.tokens.issueRefresh(user.id, familyId),
    ]);
    await db.insert(refreshTokens).values({
      id: refresh.tokenId,
      familyId: refresh.familyId,
      userId: user.id,
      tokenHash: refresh.tokenHash,
      expiresAt: refresh.expiresAt,
    });
    return { accessToken, refreshToken: refresh.token };
  }
}

export function assertPasswordPolicy(password: string): void {
  const problems = passwordProblems(password);
  if (problems.length > 0) throw new RuleViolation(passwordPolicyMessage(problems));
}

async function hasAdmin(db: DbOrTx): Promise<boolean> {
  const [admin] = await db.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).limit(1);
  return Boolean(admin);
}

async function loadActiveUser(db: DbOrTx, userId: string): Promise<UserRow> {
  const [user] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!user || !user.isActive) throw new Unauthenticated(INACTIVE_USER);
  return user;
}

async function revokeFamily(db: DbOrTx, familyId: string): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}
