import { z } from 'zod';
import { recordMcpVerification } from '../../domain/mcpKeys/verification.js';
import { getTeam, listMembers, listTeams } from '../../domain/teams/service.js';
import { idArg } from './project-scope.js';
import { type ToolDefinition, defineTool } from './types.js';

/** Onboarding and team tools (reference/mcp.md §2.8, without the import tools). */

const MEMBERS_LIMIT = 100;

export const teamTools: ToolDefinition[] = [
  defineTool({
    name: 'mcp_verify_connection',
    description: 'Check this MCP connection and who you are connected as; completes the onboarding step "connect your agent". Returns {verified,user,verified_at}.',
    profile: 'core',
    inputSchema: {},
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
    annotations: { readOnlyHint: true },
    async handler(ctx, args) {
      const page = await listTeams(ctx, { page: 1, pageSize: args.limit, offset: 0 });
      return {
        teams: page.items.map((team) => ({ id: team.id, name: team.name, description: team.description, language: team.language ?? 'en', created_at: team.createdAt })),
        total: page.total,
      };
    },
  }),
  defineTool({
    name: 'mcp_get_team',
    description: 'One of your teams with its members (name, email, role).',
    profile: 'standard',
    inputSchema: { teamId: idArg('Team id') },
    annotations: { readOnlyHint: true },
    async handler(ctx, args) {
      const team = await getTeam(ctx, args.teamId);
      const members = await listMembers(ctx, args.teamId, { page: 1, pageSize: MEMBERS_LIMIT, offset: 0 });
      return {
        id: team.id,
        name: team.name,
        description: team.description,
        language: team.language ?? 'en',
        created_at: team.createdAt,
        members: members.items.map((member) => ({ user_id: member.userId, name: member.userName, email: member.userEmail, role: member.role, joined_at: member.joinedAt })),
        members_total: members.total,
      };
    },
  }),
];
