import { and, eq } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { DbOrTx } from '../../db/client.js';
import { invitationCodes, teams, users } from '../../db/schema.js';
import type { Jobs } from '../../infra/jobs/index.js';
import { errorText } from '../../infra/jobs/index.js';
import type { EmailJobPayload, Locale } from '../../integrations/email/types.js';
import { requireTeamLeader } from '../access.js';
import type { ServiceContext } from '../context.js';
import { NotFound, RuleViolation } from '../errors.js';
import { invitationRefusal, registerUrl, type InvitationRow } from './rules.js';

/**
 * Invitation emails, always through the job queue: the request that makes an
 * invitation only enqueues (a row insert or a Redis write) and answers; the
 * `email.send` job renders, sends, retries and records the outcome on the row.
 */
export interface EmailQueue {
  jobs: Jobs;
  frontendUrl: string;
  log: FastifyBaseLogger;
}

interface Sender {
  inviterName: string;
}

async function senderOf(db: DbOrTx, ctx: ServiceContext): Promise<Sender> {
  const [me] = await db.select({ name: users.name, email: users.email }).from(users).where(eq(users.id, ctx.actor.id)).limit(1);
  return { inviterName: me?.name || me?.email || ctx.actor.email };
}

async function teamOf(db: DbOrTx, teamId: string): Promise<{ name: string; locale: Locale }> {
  const [team] = await db.select({ name: teams.name, language: teams.language }).from(teams).where(eq(teams.id, teamId)).limit(1);
  return { name: team?.name ?? '', locale: team?.language === 'hu' ? 'hu' : 'en' };
}

/** Queues the invitation's email when it has an address; a queue that is down is recorded on the row, not thrown. */
export async function queueInvitationEmail(ctx: ServiceContext, queue: EmailQueue, invitation: InvitationRow): Promise<void> {
  if (!invitation.emailSentTo) return;
  const { inviterName } = await senderOf(ctx.db, ctx);
  const vars: Record<string, string> = {
    inviterName,
    link: registerUrl(queue.frontendUrl, invitation.code, invitation.emailSentTo),
    expiresAt: invitation.expiresAt ? invitation.expiresAt.toISOString().slice(0, 10) : '—',
  };
  let payload: EmailJobPayload;
  if (invitation.type === 'team' && invitation.teamId) {
    const team = await teamOf(ctx.db, invitation.teamId);
    payload = { template: 'team_invitation', locale: team.locale, to: invitation.emailSentTo, vars: { ...vars, teamName: team.name }, invitationCode: invitation.code };
  } else {
    payload = { template: 'admin_invitation', locale: 'en', to: invitation.emailSentTo, vars, invitationCode: invitation.code };
  }
  await enqueue(ctx, queue, payload);
}

/** "You were added to a team": a team leader added an existing account (`POST /teams/{id}/members`). */
export async function queueTeamAddedEmail(ctx: ServiceContext, queue: EmailQueue, teamId: string, to: string): Promise<void> {
  const [{ inviterName }, team] = await Promise.all([senderOf(ctx.db, ctx), teamOf(ctx.db, teamId)]);
  const link = new URL('/', queue.frontendUrl).toString();
  await enqueue(ctx, queue, { template: 'team_added', locale: team.locale, to, vars: { inviterName, teamName: team.name, link } });
}

async function enqueue(ctx: ServiceContext, queue: EmailQueue, payload: EmailJobPayload): Promise<void> {
  try {
    await queue.jobs.enqueue('email.send', payload);
  } catch (error) {
    // The invitation exists either way; the row says the email is not on its way, and
    // a leader can resend it once the queue is back.
    queue.log.error({ err: error, template: payload.template }, 'could not queue an email');
    if (payload.invitationCode) {
      await ctx.db
        .update(invitationCodes)
        .set({ emailError: `could not queue the email: ${errorText(error)}` })
        .where(eq(invitationCodes.code, payload.invitationCode));
    }
  }
}

/** `POST /teams/{id}/invitations/{code}/resend`: the team's leaders queue the email again. */
export async function resendTeamInvitation(ctx: ServiceContext, queue: EmailQueue, teamId: string, code: string): Promise<InvitationRow> {
  await requireTeamLeader(ctx, teamId, 'Only team leaders can resend invitations');
  const [invitation] = await ctx.db
    .select()
    .from(invitationCodes)
    .where(and(eq(invitationCodes.code, code), eq(invitationCodes.teamId, teamId)))
    .limit(1);
  if (!invitation) throw new NotFound('Invitation code');
  if (!invitation.emailSentTo) throw new RuleViolation('Invitation has no email address to send to');
  const refusal = invitationRefusal(invitation, new Date());
  if (refusal) throw new RuleViolation(refusal);
  const [cleared] = await ctx.db
    .update(invitationCodes)
    .set({ emailError: null })
    .where(eq(invitationCodes.id, invitation.id))
    .returning();
  await queueInvitationEmail(ctx, queue, cleared!);
  return cleared!;
}
