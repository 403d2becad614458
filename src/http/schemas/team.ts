import { type Static, Type } from '@sinclair/typebox';
import type { TeamRole } from '../../domain/access.js';
import type { InvitationRow } from '../../domain/invitations/rules.js';
import type { TeamLanguage } from '../../domain/teams/rules.js';
import { presentMember as sharedMember, presentTeam as sharedTeam } from '../../domain/teams/presenter.js';
import type { MemberRow, TeamRow } from '../../domain/teams/service.js';
import { Nullable, PaginationQuery, StringEnum, Timestamp, Uuid, bodyOrQuery } from './common.js';
import { Email } from './user.js';

const NullableText = Nullable(Type.String({ maxLength: 10_000 }));

const TEAM_ROLES = ['member', 'team_leader'] as const satisfies readonly TeamRole[];
const TEAM_LANGUAGES = ['hu', 'en'] as const satisfies readonly TeamLanguage[];

export const TeamRoleSchema = StringEnum(TEAM_ROLES);
export const TeamLanguageSchema = StringEnum(TEAM_LANGUAGES);
export const TeamName = Type.String({ minLength: 1, maxLength: 255 });

export const TeamInvitationParams = Type.Object({ id: Uuid, code: Type.String({ minLength: 1, maxLength: 128 }) });
export const InvitationCodeParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 128 }) });

export const TeamParams = Type.Object({ id: Uuid });
export const TeamMemberParams = Type.Object({ id: Uuid, user_id: Uuid });

export const Team = Type.Object({
  id: Uuid,
  name: Type.String(),
  description: Nullable(Type.String()),
  language: Nullable(Type.String()),
  created_by: Nullable(Uuid),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const TeamMember = Type.Object({
  id: Uuid,
  team_id: Uuid,
  user_id: Uuid,
  role: Type.String(),
  joined_at: Timestamp,
  user_name: Nullable(Type.String()),
  user_email: Type.String(),
});

/** What issuing a team invitation answers, whether or not the address has an account. */
export const IssuedTeamInvitation = Type.Object({
  code: Type.String(),
  type: Type.Literal('team'),
  team_id: Uuid,
  member_role: Type.String(),
  expires_at: Nullable(Timestamp),
  created_at: Timestamp,
  email_sent_to: Nullable(Type.String()),
  email_sent_at: Nullable(Timestamp),
});

// ---- request shapes ------------------------------------------------------------

export const CreateTeamBody = Type.Object({ name: TeamName, description: Type.Optional(NullableText) });

export const UpdateTeamBody = Type.Object({
  name: Type.Optional(TeamName),
  description: Type.Optional(NullableText),
});

export const SetLanguageBody = Type.Object({ language: TeamLanguageSchema });

/** The web client sends these in the query; API clients may send a JSON body instead. */
export const AddMemberInput = bodyOrQuery({
  user_id: Type.Optional(Uuid),
  role: Type.Optional(StringEnum(TEAM_ROLES, { description: 'member (default) or team_leader' })),
});

export const ChangeRoleInput = bodyOrQuery({ role: Type.Optional(TeamRoleSchema) });

const invitationFields = {
  expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, description: 'Days until the code expires (default 7)' })),
  send_email_to: Type.Optional(Email),
  member_role: Type.Optional(StringEnum(TEAM_ROLES, { description: 'Role the invitee gets in the team (default member)' })),
  max_uses: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'How many registrations the code allows (default 1)' })),
};
export const CreateInvitationInput = bodyOrQuery(invitationFields);

export const ListInvitationsQuery = Type.Object({
  ...PaginationQuery.properties,
  used: Type.Optional(Type.Boolean({ description: 'true: only codes used at least once; false: only unused ones' })),
});

// ---- presenters: domain rows → wire shapes ----------------------------------------

/** The presenters REST and MCP share (domain/teams/presenter.ts), checked here against the response schemas. */
export const presentTeam: (team: TeamRow) => Static<typeof Team> = sharedTeam;
export const presentMember: (member: MemberRow) => Static<typeof TeamMember> = sharedMember;

export function presentIssuedInvitation(invitation: InvitationRow): Static<typeof IssuedTeamInvitation> {
  return {
    code: invitation.code,
    type: 'team',
    team_id: invitation.teamId!,
    member_role: invitation.memberRole,
    expires_at: invitation.expiresAt,
    created_at: invitation.createdAt,
    email_sent_to: invitation.emailSentTo,
    email_sent_at: invitation.emailSentAt,
  };
}
