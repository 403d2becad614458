import type { MemberRow, TeamRow } from './service.js';

/** The one shape of a team, for the REST responses and the MCP tool results. */
export function presentTeam(team: TeamRow) {
  return {
    id: team.id,
    name: team.name,
    description: team.description,
    language: team.language,
    created_by: team.createdBy,
    created_at: team.createdAt,
    updated_at: team.updatedAt,
  };
}

/** The one shape of a team membership, with the member's name and address. */
export function presentMember(member: MemberRow) {
  return {
    id: member.id,
    team_id: member.teamId,
    user_id: member.userId,
    role: member.role,
    joined_at: member.joinedAt,
    user_name: member.userName,
    user_email: member.userEmail,
  };
}
