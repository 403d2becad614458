import { type Static, Type } from '@sinclair/typebox';
import type { InvitationRow } from '../../domain/invitations/rules.js';
import { Nullable, Timestamp, Uuid } from './common.js';

/** An invitation code as the admin and team-leader lists show it, delivery state included. */
export const Invitation = Type.Object({
  code: Type.String(),
  type: Type.String(),
  team_id: Nullable(Uuid),
  member_role: Type.String(),
  created_by: Nullable(Uuid),
  expires_at: Nullable(Timestamp),
  max_uses: Nullable(Type.Integer()),
  uses_count: Type.Integer(),
  is_active: Type.Boolean(),
  used_at: Nullable(Timestamp),
  used_by: Nullable(Uuid),
  created_at: Timestamp,
  email_sent_to: Nullable(Type.String()),
  email_sent_at: Nullable(Timestamp),
  email_error: Nullable(Type.String()),
});

export function presentInvitation(invitation: InvitationRow): Static<typeof Invitation> {
  return {
    code: invitation.code,
    type: invitation.type,
    team_id: invitation.teamId,
    member_role: invitation.memberRole,
    created_by: invitation.createdBy,
    expires_at: invitation.expiresAt,
    max_uses: invitation.maxUses,
    uses_count: invitation.usesCount,
    is_active: invitation.isActive,
    used_at: invitation.usedAt,
    used_by: invitation.usedBy,
    created_at: invitation.createdAt,
    email_sent_to: invitation.emailSentTo,
    email_sent_at: invitation.emailSentAt,
    email_error: invitation.emailError,
  };
}
