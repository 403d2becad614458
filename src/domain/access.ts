import { and, eq } from 'drizzle-orm';
import { projects, teamMembers, teams } from '../db/schema.js';
import type { Actor, ServiceContext } from './context.js';
import { Conflict, Forbidden, NotFound } from './errors.js';

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

/**
 * Read access to a team: admin or member. Otherwise the team "does not exist";
 * `entity` names what the caller asked for (an idea of the team answers "Idea not found").
 */
export async function requireTeamReader(ctx: ServiceContext, teamId: string, entity = 'Team'): Promise<void> {
  if (isAdmin(ctx.actor)) {
    const [team] = await ctx.db.select({ id: teams.id }).from(teams).where(eq(teams.id, teamId)).limit(1);
    if (!team) throw new NotFound(entity);
    return;
  }
  if (!(await teamRoleOf(ctx, teamId))) throw new NotFound(entity);
}

/** Management of a team: admin or that team's leader. Members learn it exists but get 403. */
export async function requireTeamLeader(ctx: ServiceContext, teamId: string, message?: string, entity = 'Team'): Promise<void> {
  if (isAdmin(ctx.actor)) return requireTeamReader(ctx, teamId, entity);
  const role = await teamRoleOf(ctx, teamId);
  if (!role) throw new NotFound(entity);
  if (role !== 'team_leader') throw new Forbidden(message ?? 'Only team leaders can manage this team');
}

export type ProjectRow = typeof projects.$inferSelect;

/**
 * What a caller wants to do with a project:
 * - `read`: see the project and everything in it (members);
 * - `write`: create and change its todos, features, elements, documents and sessions
 *   (members too: agents work as members);
 * - `manage`: edit, archive or delete the project itself (team leaders).
 */
export type ProjectAccess = 'read' | 'write' | 'manage';

/**
 * The project, if the caller may do `level` to it. A project the caller cannot see
 * answers 404 named after `entity` (a todo of another team is "Todo not found").
 */
export async function requireProjectAccess(
  ctx: ServiceContext,
  projectId: string,
  level: ProjectAccess = 'read',
  entity = 'Project',
): Promise<ProjectRow> {
  const [row] = await ctx.db
    .select({ project: projects, role: teamMembers.role })
    .from(projects)
    .leftJoin(teamMembers, and(eq(teamMembers.teamId, projects.teamId), eq(teamMembers.userId, ctx.actor.id)))
    .where(eq(projects.id, projectId))
    .limit(1);
  if (!row) throw new NotFound(entity);
  if (isAdmin(ctx.actor)) return row.project;
  if (!row.role) throw new NotFound(entity);
  if (level === 'manage' && row.role !== 'team_leader') throw new Forbidden('Only team leaders can edit projects');
  return row.project;
}

/**
 * Write access to a project's content. An archived project is read-only until a team
 * leader sets another status, so agents cannot keep changing finished work.
 */
export async function requireProjectWriter(ctx: ServiceContext, projectId: string, entity = 'Project'): Promise<ProjectRow> {
  const project = await requireProjectAccess(ctx, projectId, 'write', entity);
  if (project.status === 'archived') {
    throw new Conflict('Project is archived: change its status to make changes to its content');
  }
  return project;
}
