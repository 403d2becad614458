import { z } from 'zod';
import { recordMcpVerification } from '../../domain/mcpKeys/verification.js';
import { presentMember, presentTeam } from '../../domain/teams/presenter.js';
import { type MemberRow, type TeamRow, getTeam, listMembers, listTeams } from '../../domain/teams/service.js';
import { AgentMember, AgentTeam } from './output.js';
import { forAgent } from './present.js';
import { idArg } from './project-scope.js';
import { type ToolDefinition, defineTool } from './types.js';

/** Onboarding and team tools (reference/mcp.md §2.8, without the import tools). */

const MEMBERS_LIMIT = 100;

// A team without a language of its own writes in English (the rules generator's default too),
// so the agent is always told one.
const agentTeam = (team: TeamRow) => ({ ...forAgent(presentTeam(team)), language: team.language ?? 'en' });
// The reference's team tools name a member's fields `name` and `email`; both stay beside
// the shared presenter's `user_name`/`user_email` so agents written for either keep working.
const agentMember = (member: MemberRow) => ({
  ...forAgent(presentMember(member)),
  ...(member.userName !== null && { name: member.userName }),
  email: member.userEmail,
});

export const teamTools: ToolDefinition[] = [
  defineTool({
    name: 'mcp_verify_connection',
    description: 'Check this MCP connection and who you are connected as; completes the onboarding step "connect your agent". Returns {verified,user,verified_at}.',
    profile: 'core',
    inputSchema: {},
    outputSchema: z.object({
      verified: z.literal(true),
      message: z.string(),
      user: z.object({ id: z.string(), email: z.string(), role: z.string() }),
      project_id: z.string().nullable(),
      verified_at: z.string(),
    }),
    // Read-only for the key's purposes: it stamps the caller's own onboarding, never
    // project data, so read-only keys can verify their connection too.
    annotations: { readOnlyHint: true, idempotentHint: true },
    async handler(ctx) {
      const { verifiedAt } = await recordMcpVerification(ctx);
      return {
        verified: true,
        message: `Connected to InTracker as ${ctx.actor.email}`,
        user: { id: ctx.actor.id, email: ctx.actor.email, role: ctx.actor.role },
        project_id: ctx.scope.projectId ?? null,
        verified_at: verifiedAt,
      };
    },
  }),
  defineTool({
    name: 'mcp_list_teams',
    description: 'The teams you belong to (all teams for an admin), with their language: write todos and documents in the team’s language. Use a teamId from here for mcp_create_project or mcp_create_idea.',
    profile: 'standard',
    inputSchema: { limit: z.number().int().min(1).max(100).default(100) },
    outputSchema: z.object({ teams: z.array(AgentTeam), total: z.number() }),
    annotations: { readOnlyHint: true },
    async handler(ctx, args) {
      const page = await listTeams(ctx, { page: 1, pageSize: args.limit, offset: 0 });
      return { teams: page.items.map(agentTeam), total: page.total };
    },
  }),
  defineTool({
    name: 'mcp_get_team',
    description: 'One of your teams with its members (name, email, role).',
    profile: 'standard',
    inputSchema: { teamId: idArg('Team id') },
    outputSchema: AgentTeam.extend({ members: z.array(AgentMember), members_total: z.number() }),
    annotations: { readOnlyHint: true },
    async handler(ctx, args) {
      const team = await getTeam(ctx, args.teamId);
      const members = await listMembers(ctx, args.teamId, { page: 1, pageSize: MEMBERS_LIMIT, offset: 0 });
      return { ...agentTeam(team), members: members.items.map(agentMember), members_total: members.total };
    },
  }),
];
