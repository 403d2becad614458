import { and, count, desc, eq, gt, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { invitationCodes, users } from '../../db/schema.js';
import { randomToken } from '../../infra/random.js';
import { requireAdmin, requireTeamLeader, type TeamRole } from '../access.js';
import type { ServiceContext } from '../context.js';
import { Conflict, NotFound, RuleViolation } from '../errors.js';
import type { Page, PageRequest } from '../pagination.js';
import { joinTeam } from '../teams/service.js';
import { normalizeEmail } from '../users/rules.js';
import {
  ADMIN_INVITATION_DEFAULT_DAYS,
  DIRECT_ADD_PREFIX,
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

/** What a team invitation produced: a code to share, or an existing user added at once. */
export type TeamInvitationResult =
  | { kind: 'invitation'; invitation: InvitationRow }
  | {
      kind: 'direct_add';
      invitation: Pick<InvitationRow, 'code' | 'teamId' | 'memberRole' | 'expiresAt' | 'createdAt' | 'emailSentTo' | 'emailSentAt'> & {
        type: 'team';
      };
    };

export async function createAdminInvitation(ctx: ServiceContext, options: CreateInvitationOptions): Promise<InvitationRow> {
  requireAdmin(ctx.actor);
  return insertInvitation(ctx.db, {
    type: 'admin',
    teamId: null,
    memberRole: 'member',
    expiresInDays: options.expiresInDays ?? ADMIN_INVITATION_DEFAULT_DAYS,
    maxUses: options.maxUses === undefined ? 1 : options.maxUses,
    emailSentTo: options.sendEmailTo ? normalizeEmail(options.sendEmailTo) : null,
    createdBy: ctx.actor.id,
  });
}

export async function createTeamInvitation(
  ctx: ServiceContext,
  teamId: string,
  memberRole: TeamRole,
  options: CreateInvitationOptions,
): Promise<TeamInvitationResult> {
  await requireTeamLeader(ctx, teamId, 'Only team leaders can invite members');
  const email = options.sendEmailTo ? normalizeEmail(options.sendEmailTo) : null;
  if (email) {
    const [existing] = await ctx.db.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
    if (existing) {
      // An existing account needs no code: it joins the team now (the reference's direct add).
      const member = await joinTeam(ctx, teamId, existing.id, memberRole).catch((error: unknown) => {
        if (error instanceof Conflict) throw new RuleViolation('User is already a member of this team');
        throw error;
      });
      return {
        kind: 'direct_add',
        invitation: {
          code: `${DIRECT_ADD_PREFIX}${member.id}`,
          type: 'team',
          teamId,
          memberRole: member.role,
          expiresAt: null,
          createdAt: member.joinedAt,
          emailSentTo: email,
          emailSentAt: null,
        },
      };
    }
  }
  const invitation = await insertInvitation(ctx.db, {
    type: 'team',
    teamId,
    memberRole,
    expiresInDays: options.expiresInDays ?? TEAM_INVITATION_DEFAULT_DAYS,
    maxUses: options.maxUses === undefined ? 1 : options.maxUses,
    emailSentTo: email,
    createdBy: ctx.actor.id,
  });
  return { kind: 'invitation', invitation };
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

/** Only unused codes can be deleted; a used one is history the audit trail points at. */
export async function deleteInvitation(ctx: ServiceContext, code: string): Promise<void> {
  requireAdmin(ctx.actor);
  const deleted = await ctx.db
    .delete(invitationCodes)
    .where(and(eq(invitationCodes.code, code), eq(invitationCodes.usesCount, 0)))
    .returning({ id: invitationCodes.id });
  if (deleted.length > 0) return;
  if (await findByCode(ctx.db, code)) throw new RuleViolation('Cannot delete a used invitation code');
  throw new NotFound('Invitation code');
}
