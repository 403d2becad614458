import type { invitationCodes } from '../../db/schema.js';

export type InvitationRow = typeof invitationCodes.$inferSelect;

export const ADMIN_INVITATION_DEFAULT_DAYS = 30;
export const TEAM_INVITATION_DEFAULT_DAYS = 7;

/**
 * Why a code cannot be used right now, checked in the reference's order, or
 * undefined when it can. The claim itself is a single conditional UPDATE; this only
 * explains a refusal.
 */
export function invitationRefusal(invitation: InvitationRow | undefined, now: Date): string | undefined {
  if (!invitation) return 'Invalid invitation code';
  if (!invitation.isActive) return 'Invitation code is not active';
  if (invitation.maxUses !== null && invitation.usesCount >= invitation.maxUses) {
    return invitation.maxUses === 1
      ? 'Invitation code has already been used'
      : 'Invitation code has reached its maximum number of uses';
  }
  if (invitation.expiresAt && invitation.expiresAt <= now) return 'Invitation code has expired';
  return undefined;
}

export function expiryFromNow(days: number, now = new Date()): Date {
  return new Date(now.getTime() + days * 86_400_000);
}

export function registerUrl(frontendUrl: string, code: string, email?: string | null): string {
  const url = new URL('/register', frontendUrl);
  url.searchParams.set('code', code);
  if (email) url.searchParams.set('email', email);
  return url.toString();
}
