import { and, asc, count, desc, eq, ilike, isNull, ne, or, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { refreshTokens, teamMembers, teams, users } from '../../db/schema.js';
import { hashPassword } from '../../infra/passwords.js';
import { requireAdmin } from '../access.js';
import { assertPasswordPolicy } from '../auth/service.js';
import type { ServiceContext } from '../context.js';
import { Conflict, NotFound, RuleViolation, isUniqueViolation } from '../errors.js';
import { type MutationRecorder, mutate } from '../mutation.js';
import { recordUserChange } from './record.js';
import type { Page, PageRequest } from '../pagination.js';
import { createPersonalTeam, recordTeamChange } from '../teams/service.js';
import type { UserRow } from './presenter.js';
import { normalizeEmail, type UserRole } from './rules.js';

/** The global roles an admin can give, for the HTTP schemas (the one list lives in db/schema.ts). */
export { USER_ROLES } from '../enums.js';

/**
 * Admin user management (the `/admin/users*` and `/admin/create-user` routes). Every
 * function starts with the admin check; multi-step writes run in one transaction.
 */

export interface UserFilters {
  role?: UserRole | undefined;
  /** Case-insensitive substring of the email or the name. */
  search?: string | undefined;
}

export interface UserChanges {
  name?: string | null | undefined;
  email?: string | undefined;
  isActive?: boolean | undefined;
}

export interface NewUser {
  email: string;
  password: string;
  name?: string | null | undefined;
  role?: UserRole | undefined;
  teamId?: string | undefined;
}

export type CreateUserResult = { kind: 'exists'; userId: string } | { kind: 'created'; user: UserRow };

const EMAIL_TAKEN = 'A user with this email already exists';

export async function listUsers(ctx: ServiceContext, filters: UserFilters, page: PageRequest): Promise<Page<UserRow>> {
  requireAdmin(ctx.actor);
  const conditions: SQL[] = [];
  if (filters.role) conditions.push(eq(users.role, filters.role));
  const search = filters.search?.trim();
  if (search) {
    const pattern = `%${escapeLike(search)}%`;
    conditions.push(or(ilike(users.email, pattern), ilike(users.name, pattern))!);
  }
  const where = and(...conditions);
  const [items, [totals]] = await Promise.all([
    ctx.db.select().from(users).where(where).orderBy(desc(users.createdAt), desc(users.id)).limit(page.pageSize).offset(page.offset),
    ctx.db.select({ total: count() }).from(users).where(where),
  ]);
  return { items, total: totals?.total ?? 0, page: page.page, pageSize: page.pageSize };
}

export async function getUser(ctx: ServiceContext, userId: string): Promise<UserRow> {
  requireAdmin(ctx.actor);
  return loadUser(ctx.db, eq(users.id, userId));
}

/**
 * Changes name, email and/or the active flag. Deactivating also revokes every refresh
 * token of the user; their access tokens stop working by themselves, because each
 * request reloads the user and refuses an inactive one.
 */
export async function updateUser(ctx: ServiceContext, userId: string, changes: UserChanges): Promise<UserRow> {
  requireAdmin(ctx.actor);
  if (changes.isActive === false && userId === ctx.actor.id) {
    throw new RuleViolation('You cannot deactivate your own account');
  }
  const email = changes.email === undefined ? undefined : normalizeEmail(changes.email);
  try {
    return await mutate(ctx, async (tx, record) => {
      if (changes.isActive === false) await lockAdmins(ctx, tx);
      if (email !== undefined) {
        const [holder] = await tx
          .select({ id: users.id })
          .from(users)
          .where(and(eq(users.email, email), ne(users.id, userId)))
          .limit(1);
        if (holder) throw new Conflict(EMAIL_TAKEN);
      }
      const values = {
        ...(changes.name !== undefined && { name: changes.name?.trim() || null }),
        ...(email !== undefined && { email }),
        ...(changes.isActive !== undefined && { isActive: changes.isActive }),
      };
      const [user] =
        Object.keys(values).length > 0
          ? await tx.update(users).set(values).where(eq(users.id, userId)).returning()
          : await tx.select().from(users).where(eq(users.id, userId)).limit(1);
      if (!user) throw new NotFound('User');
      if (changes.isActive === false) await revokeRefreshTokens(tx, userId);
      if (Object.keys(values).length > 0) {
        const action = changes.isActive === false ? 'deactivated' : changes.isActive === true ? 'activated' : 'updated';
        recordUserChange(record, user.id, action, values);
      }
      return user;
    });
  } catch (error) {
    // Two admins giving the same address to two users at once: the unique index decides.
    if (isUniqueViolation(error, 'users_email_key')) throw new Conflict(EMAIL_TAKEN);
    throw error;
  }
}

export async function changeUserRole(ctx: ServiceContext, userId: string, role: UserRole): Promise<UserRow> {
  requireAdmin(ctx.actor);
  return mutate(ctx, (tx, record) => setRole(ctx, tx, record, eq(users.id, userId), role));
}

export async function changeUserRoleByEmail(ctx: ServiceContext, email: string, role: UserRole): Promise<UserRow> {
  requireAdmin(ctx.actor);
  return mutate(ctx, (tx, record) => setRole(ctx, tx, record, eq(users.email, normalizeEmail(email)), role));
}

/**
 * The role rules, for both ways of naming the user:
 * - a non-admin must belong to at least one team (that is where their work lives);
 * - the installation keeps at least one active admin.
 * The user's row is locked before the membership check, as removing a member locks
 * it before the last-team check, so the two rules cannot be passed at the same time.
 */
async function setRole(ctx: ServiceContext, tx: DbOrTx, record: MutationRecorder, which: SQL, role: UserRole): Promise<UserRow> {
  if (role === 'admin') {
    const [promoted] = await tx.update(users).set({ role }).where(which).returning();
    if (!promoted) throw new NotFound('User');
    recordUserChange(record, promoted.id, 'role_changed', { role });
    return promoted;
  }
  const admins = await lockAdmins(ctx, tx);
  const [target] = await tx.select().from(users).where(which).for('no key update');
  if (!target) throw new NotFound('User');
  const [membership] = await tx.select({ id: teamMembers.id }).from(teamMembers).where(eq(teamMembers.userId, target.id)).limit(1);
  if (!membership) {
    throw new RuleViolation('Non-admin users must be members of at least one team: add the user to a team first');
  }
  if (target.role === 'admin' && !admins.some((admin) => admin.id !== target.id && admin.isActive)) {
    throw new RuleViolation(
      target.id === ctx.actor.id
        ? 'You are the last admin: make another user admin before changing your own role'
        : 'Cannot change the role of the last admin',
    );
  }
  const [updated] = await tx.update(users).set({ role }).where(eq(users.id, target.id)).returning();
  recordUserChange(record, target.id, 'role_changed', { role });
  return updated!;
}

/**
 * Deletes the account. Teams, projects and everything else the user created stay:
 * their audit references become NULL (foreign keys), while memberships, MCP keys and
 * refresh tokens go with the user (cascade).
 */
export async function deleteUser(ctx: ServiceContext, userId: string): Promise<void> {
  requireAdmin(ctx.actor);
  if (userId === ctx.actor.id) throw new RuleViolation('You cannot delete your own account');
  await mutate(ctx, async (tx, record) => {
    await lockAdmins(ctx, tx);
    const deleted = await tx.delete(users).where(eq(users.id, userId)).returning({ id: users.id });
    if (deleted.length === 0) throw new NotFound('User');
    recordUserChange(record, userId, 'deleted');
  });
}

/**
 * Locks every admin row, always in id order, before anything that could leave the
 * installation without an active admin (demoting, deactivating, deleting), and checks
 * that the caller still is one. Two admins acting on each other at once are thereby
 * serialized instead of both succeeding (or deadlocking).
 */
async function lockAdmins(ctx: ServiceContext, tx: DbOrTx): Promise<{ id: string; isActive: boolean }[]> {
  const admins = await tx
    .select({ id: users.id, isActive: users.isActive })
    .from(users)
    .where(eq(users.role, 'admin'))
    .orderBy(asc(users.id))
    .for('update');
  // Decided again on the rows as they are now, under the lock, not as the request found them.
  const stillAdmin = admins.some((admin) => admin.id === ctx.actor.id && admin.isActive);
  requireAdmin({ ...ctx.actor, role: stillAdmin ? 'admin' : 'member' });
  return admins;
}

/**
 * Creates an account without an invitation. A non-admin always ends up in a team: the
 * given one as a member, or else a new personal team they lead. An address that is
 * already registered is reported, not changed, so scripts can call this repeatedly.
 */
export async function createUser(ctx: ServiceContext, input: NewUser): Promise<CreateUserResult> {
  requireAdmin(ctx.actor);
  assertPasswordPolicy(input.password);
  const email = normalizeEmail(input.email);
  const role = input.role ?? 'member';
  const [existing] = await ctx.db.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
  if (existing) return { kind: 'exists', userId: existing.id };
  const passwordHash = await hashPassword(input.password);

  return mutate(ctx, async (tx, record) => {
    if (input.teamId) {
      // Held until commit, so the team cannot be deleted before the membership exists.
      const [team] = await tx.select({ id: teams.id }).from(teams).where(eq(teams.id, input.teamId)).for('key share');
      if (!team) throw new NotFound('Team');
    }
    const [created] = await tx
      .insert(users)
      .values({ email, name: input.name?.trim() || null, passwordHash, role })
      .onConflictDoNothing({ target: users.email })
      .returning();
    if (!created) {
      // Registered between the check above and this insert.
      const [winner] = await tx.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
      return { kind: 'exists', userId: winner!.id } as const;
    }
    recordUserChange(record, created.id, 'created', { role });
    if (input.teamId) {
      await tx.insert(teamMembers).values({ teamId: input.teamId, userId: created.id, role: 'member' });
      recordTeamChange(record, input.teamId, 'member_added', { userId: created.id, after: { role: 'member' } });
    } else if (role !== 'admin') {
      await createPersonalTeam(tx, created, record);
    }
    return { kind: 'created', user: created } as const;
  });
}

async function loadUser(db: DbOrTx, which: SQL): Promise<UserRow> {
  const [user] = await db.select().from(users).where(which).limit(1);
  if (!user) throw new NotFound('User');
  return user;
}

async function revokeRefreshTokens(tx: DbOrTx, userId: string): Promise<void> {
  await tx
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}

/** `%`, `_` and `\` match literally in the search term. */
function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (char) => `\\${char}`);
}
