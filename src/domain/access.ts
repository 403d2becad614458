import { and, eq } from 'drizzle-orm';
import { teamMembers, teams } from '../db/schema.js';
import type { Actor, ServiceContext } from './context.js';
import { Forbidden, NotFound } from './errors.js';

/**
 * Every access decision, in one module used by REST, MCP and the hub alike
 * (DECISIONS.md "Access control"):
 * - a global admin may do everything;
 * - a team member reads everything of the team and works on its content;
 * - a team leader also manages the team, its members, invitations and projects;
 * - whatever the caller may not see answers 404, exactly like what does not exist.
 */

export type TeamRole = 'team_leader' | 'member';

export function isAdmin(actor: Actor): boolean {
  return actor.role === 'admin';
}

export function requireAdmin(actor: Actor, message = 'Admin access required'): void {
  if (!isAdmin(actor)) throw new Forbidden(message);
}

/** The caller's role in the team, or undefined when they are not a member. */
export async function teamRoleOf(ctx: ServiceContext, teamId: string): Promise<TeamRole | undefined> {
  const [row] = await ctx.db
    .select({ role: teamMembers.role })
    .from(teamMembers)
    .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, ctx.actor.id)))
    .limit(1);
  return row?.role as TeamRole | undefined;
}

/** Team ids the caller may read, or `'all'` for an admin. */
export async function readableTeamIds(ctx: ServiceContext): Promise<string[] | 'all'> {
  if (isAdmin(ctx.actor)) return 'all';
  const rows = await ctx.db
    .select({ teamId: teamMembers.teamId })
    .from(teamMembers)
    .where(eq(teamMembers.userId, ctx.actor.id));
  return rows.map((row) => row.teamId);
}

/** Read access to a team: admin or member. Otherwise the team "does not exist". */
export async function requireTeamReader(ctx: ServiceContext, teamId: string): Promise<void> {
  if (isAdmin(ctx.actor)) {
    const [team] = await ctx.db.select({ id: teams.id }).from(teams).where(eq(teams.id, teamId)).limit(1);
    if (!team) throw new NotFound('Team');
    return;
  }
  if (!(await teamRoleOf(ctx, teamId))) throw new NotFound('Team');
}

/** Management of a team: admin or that team's leader. Members learn it exists but get 403. */
export async function requireTeamLeader(ctx: ServiceContext, teamId: string, message?: string): Promise<void> {
  if (isAdmin(ctx.actor)) return requireTeamReader(ctx, teamId);
  const role = await teamRoleOf(ctx, teamId);
  if (!role) throw new NotFound('Team');
  if (role !== 'team_leader') throw new Forbidden(message ?? 'Only team leaders can manage this team');
}
