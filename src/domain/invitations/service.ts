import { and, count, desc, eq, gt, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { invitationCodes, teamMembers, users } from '../../db/schema.js';
import { randomToken } from '../../infra/random.js';
import { requireAdmin, requireTeamLeader, type TeamRole } from '../access.js';
import type { ServiceContext } from '../context.js';
import { NotFound, RuleViolation } from '../errors.js';
import { type MutationRecorder, mutate } from '../mutation.js';
import type { Page, PageRequest } from '../pagination.js';
import { isTeamRole } from '../teams/rules.js';
import { type MemberRow, insertMember, recordTeamChange, requireMayGrantTeamRole } from '../teams/service.js';
import { normalizeEmail } from '../users/rules.js';
import {
  ADMIN_INVITATION_DEFAULT_DAYS,
  TEAM_INVITATION_DEFAULT_DAYS,
  expiryFromNow,
  invitationRefusal,
  type InvitationRow,
} from './rules.js';

export interface CreateInvitationOptions {
  expiresInDays?: number | undefined;
  sendEmailTo?: string | undefined;
  maxUses?: number | null | undefined;
}

export async function createAdminInvitation(ctx: ServiceContext, options: CreateInvitationOptions): Promise<InvitationRow> {
  requireAdmin(ctx.actor);
  return mutate(ctx, async (tx, record) => {
    const invitation = await insertInvitation(tx, {
      type: 'admin',
      teamId: null,
      memberRole: 'member',
      expiresInDays: options.expiresInDays ?? ADMIN_INVITATION_DEFAULT_DAYS,
      maxUses: options.maxUses === undefined ? 1 : options.maxUses,
      emailSentTo: options.sendEmailTo ? normalizeEmail(options.sendEmailTo) : null,
      createdBy: ctx.actor.id,
    });
    recordInvitationChange(record, invitation, 'created');
    return invitation;
  });
}

/**
 * Issues a team code, for a new person and an existing account alike: the answer
 * does not tell the caller whether the address is registered (an existing user
 * accepts the code signed in, `acceptInvitation`, instead of registering). Only the
 * team's own members are told apart, and those the caller sees in the member list.
 */
export async function createTeamInvitation(
  ctx: ServiceContext,
  teamId: string,
  memberRole: TeamRole,
  options: CreateInvitationOptions,
): Promise<InvitationRow> {
  await requireTeamLeader(ctx, teamId, 'Only team leaders can invite members');
  requireMayGrantTeamRole(ctx, memberRole);
  const email = options.sendEmailTo ? normalizeEmail(options.sendEmailTo) : null;
  if (email) {
    const [member] = await ctx.db
      .select({ id: teamMembers.id })
      .from(teamMembers)
      .innerJoin(users, eq(users.id, teamMembers.userId))
      .where(and(eq(teamMembers.teamId, teamId), eq(users.email, email)))
      .limit(1);
    if (member) throw new RuleViolation('User is already a member of this team');
  }
  return mutate(ctx, async (tx, record) => {
    const invitation = await insertInvitation(tx, {
      type: 'team',
      teamId,
      memberRole,
      expiresInDays: options.expiresInDays ?? TEAM_INVITATION_DEFAULT_DAYS,
      maxUses: options.maxUses === undefined ? 1 : options.maxUses,
      emailSentTo: email,
      createdBy: ctx.actor.id,
    });
    recordInvitationChange(record, invitation, 'created');
    return invitation;
  });
}

/**
 * An invitation's audit row, and for a team code a `teamUpdated` event so the team's
 * leaders' lists refresh. Neither carries the code: it is a credential.
 */
export function recordInvitationChange(record: MutationRecorder, invitation: InvitationRow, action: 'created' | 'revoked' | 'used'): void {
  const summary = {
    type: invitation.type,
    team_id: invitation.teamId,
    member_role: invitation.memberRole,
    max_uses: invitation.maxUses,
    uses_count: invitation.usesCount,
    expires_at: invitation.expiresAt,
    email_sent_to: invitation.emailSentTo,
  };
  record.activity({
    action: `invitation.${action}`,
    entityType: 'invitation',
    entityId: invitation.id,
    teamId: invitation.teamId,
    ...(action === 'revoked' ? { before: summary } : { after: summary }),
  });
  if (invitation.teamId) {
    record.event({
      name: 'teamUpdated',
      teamId: invitation.teamId,
      payload: { teamId: invitation.teamId, changes: { action: `invitation_${action}`, invitationId: invitation.id } },
    });
  }
}

/**
 * A signed-in user takes a team code: they join its team with its role. The use is
 * taken and the membership made in one transaction, so a refusal (already a member)
 * does not spend the code.
 */
export async function acceptInvitation(ctx: ServiceContext, code: string): Promise<MemberRow> {
  return mutate(ctx, async (tx, record) => {
    const invitation = await claimInvitation(tx, code, ctx.actor.id);
    if (invitation.type !== 'team' || !invitation.teamId) {
      throw new RuleViolation('An admin invitation registers a new account: it cannot be accepted by a signed-in user');
    }
    // The column's check constraint holds it to the team roles.
    const role = isTeamRole(invitation.memberRole) ? invitation.memberRole : 'member';
    const member = await insertMember(tx, invitation.teamId, ctx.actor.id, role);
    recordInvitationChange(record, invitation, 'used');
    recordTeamChange(record, invitation.teamId, 'member_added', { userId: ctx.actor.id, after: { role: member.role } });
    return member;
  });
}

/** The one-time code printed on first start; `createdBy` is null because nobody exists yet. */
export async function ensureBootstrapInvitation(db: DbOrTx): Promise<InvitationRow> {
  const [pending] = await db
    .select()
    .from(invitationCodes)
    .where(
      and(
        eq(invitationCodes.type, 'admin'),
        isNull(invitationCodes.createdBy),
        eq(invitationCodes.isActive, true),
        eq(invitationCodes.usesCount, 0),
        gt(invitationCodes.expiresAt, sql`now()`),
      ),
    )
    .limit(1);
  if (pending) return pending;
  return insertInvitation(db, {
    type: 'admin',
    teamId: null,
    memberRole: 'member',
    expiresInDays: ADMIN_INVITATION_DEFAULT_DAYS,
    maxUses: 1,
    emailSentTo: null,
    createdBy: null,
  });
}

async function insertInvitation(
  db: DbOrTx,
  values: {
    type: 'admin' | 'team';
    teamId: string | null;
    memberRole: TeamRole;
    expiresInDays: number;
    maxUses: number | null;
    emailSentTo: string | null;
    createdBy: string | null;
  },
): Promise<InvitationRow> {
  const [invitation] = await db
    .insert(invitationCodes)
    .values({
      code: await randomToken(32),
      type: values.type,
      teamId: values.teamId,
      memberRole: values.memberRole,
      expiresAt: expiryFromNow(values.expiresInDays),
      maxUses: values.maxUses,
      emailSentTo: values.emailSentTo,
      createdBy: values.createdBy,
      updatedBy: values.createdBy,
    })
    .returning();
  return invitation!;
}

/**
 * Takes one use of `code` for `userId`, atomically: the conditional UPDATE is the
 * check, so two registrations racing for the last use cannot both win. On refusal
 * the reason is read back and reported in the reference's order.
 */
export async function claimInvitation(tx: DbOrTx, code: string, userId: string): Promise<InvitationRow> {
  const [claimed] = await tx
    .update(invitationCodes)
    .set({
      usesCount: sql`${invitationCodes.usesCount} + 1`,
      usedAt: sql`coalesce(${invitationCodes.usedAt}, now())`,
      usedBy: sql`coalesce(${invitationCodes.usedBy}, ${userId}::uuid)`,
    })
    .where(
      and(
        eq(invitationCodes.code, code),
        eq(invitationCodes.isActive, true),
        or(isNull(invitationCodes.maxUses), lt(invitationCodes.usesCount, invitationCodes.maxUses)),
        or(isNull(invitationCodes.expiresAt), gt(invitationCodes.expiresAt, sql`now()`)),
      ),
    )
    .returning();
  if (claimed) return claimed;
  throw new RuleViolation(invitationRefusal(await findByCode(tx, code), new Date()) ?? 'Invalid invitation code');
}

/** Read-only check before any work is done, so a bad code fails fast and cheaply. */
export async function assertInvitationUsable(db: DbOrTx, code: string): Promise<InvitationRow> {
  const invitation = await findByCode(db, code);
  const refusal = invitationRefusal(invitation, new Date());
  if (refusal) throw new RuleViolation(refusal);
  return invitation!;
}

async function findByCode(db: DbOrTx, code: string): Promise<InvitationRow | undefined> {
  const [invitation] = await db.select().from(invitationCodes).where(eq(invitationCodes.code, code)).limit(1);
  return invitation;
}

export async function listInvitations(
  ctx: ServiceContext,
  filters: { type?: 'admin' | 'team' | undefined; used?: boolean | undefined; teamId?: string | undefined },
  page: PageRequest,
): Promise<Page<InvitationRow>> {
  if (filters.teamId) await requireTeamLeader(ctx, filters.teamId, 'Only team leaders can list invitations');
  else requireAdmin(ctx.actor);
  const conditions: SQL[] = [];
  if (filters.type) conditions.push(eq(invitationCodes.type, filters.type));
  if (filters.teamId) conditions.push(eq(invitationCodes.teamId, filters.teamId));
  if (filters.used === true) conditions.push(gt(invitationCodes.usesCount, 0));
  if (filters.used === false) conditions.push(eq(invitationCodes.usesCount, 0));
  const where = and(...conditions);
  const [items, [totals]] = await Promise.all([
    ctx.db
      .select()
      .from(invitationCodes)
      .where(where)
      .orderBy(desc(invitationCodes.createdAt), desc(invitationCodes.id))
      .limit(page.pageSize)
      .offset(page.offset),
    ctx.db.select({ total: count() }).from(invitationCodes).where(where),
  ]);
  return { items, total: totals?.total ?? 0, page: page.page, pageSize: page.pageSize };
}

export async function getInvitation(ctx: ServiceContext, code: string): Promise<InvitationRow> {
  requireAdmin(ctx.actor);
  const invitation = await findByCode(ctx.db, code);
  if (!invitation) throw new NotFound('Invitation code');
  return invitation;
}

/**
 * Revokes an unused code by deleting it (admins: any code). A used one is history the
 * audit trail points at. With `teamId`, only that team's codes are in reach: a team
 * leader revokes their own team's codes and no other team's (those answer 404).
 */
export async function deleteInvitation(ctx: ServiceContext, code: string, teamId?: string): Promise<void> {
  if (teamId) await requireTeamLeader(ctx, teamId, 'Only team leaders can revoke invitations');
  else requireAdmin(ctx.actor);
  const inReach = teamId ? and(eq(invitationCodes.code, code), eq(invitationCodes.teamId, teamId)) : eq(invitationCodes.code, code);
  await mutate(ctx, async (tx, record) => {
    const [deleted] = await tx
      .delete(invitationCodes)
      .where(and(inReach, eq(invitationCodes.usesCount, 0)))
      .returning();
    if (deleted) return recordInvitationChange(record, deleted, 'revoked');
    const [existing] = await tx.select({ id: invitationCodes.id }).from(invitationCodes).where(inReach).limit(1);
    if (existing) throw new RuleViolation('Cannot delete a used invitation code');
    throw new NotFound('Invitation code');
  });
}
