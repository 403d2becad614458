import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { projects, teamMembers, teams, users } from '../db/schema.js';
import type { Actor, ServiceContext } from './context.js';
import { Conflict, Forbidden, NotFound } from './errors.js';
import type { ActorRecord, DomainMemo, MemberRole, ProjectRecord } from './memo.js';
import { isUserRole } from './users/rules.js';

/**
 * Every access decision, in one module used by REST, MCP and the hub alike
 * (DECISIONS.md "Access control"):
 * - a global admin may do everything;
 * - a team member reads everything of the team and works on its content;
 * - a team leader also manages the team, its members, invitations and projects;
 * - whatever the caller may not see answers 404, exactly like what does not exist;
 * - within that, the context's scope (an MCP key's) narrows it: a key bound to one
 *   project sees that project and, through it, its team (the team, its members and
 *   its ideas), and changes nothing outside the project; a read-only key changes
 *   nothing at all.
 *
 * The facts behind each decision (the user, their team roles, a project's team) come
 * from the process's memo (memo.ts), loaded from the database on a miss and
 * invalidated by the events that change them, so a decision costs no query.
 */

export type TeamRole = MemberRole;

/** The user behind an id, as the database has them now (through the memo). */
export function actorRecord(memo: DomainMemo, db: DbOrTx, userId: string): ActorRecord | undefined | Promise<ActorRecord | undefined> {
  return memo.actors.get(userId, async () => {
    const [user] = await db
      .select({ id: users.id, email: users.email, role: users.role, isActive: users.isActive })
      .from(users)
      .where(eq(users.id, userId))
      .limit(1);
    return user ? { ...user, role: isUserRole(user.role) ? user.role : 'member' } : undefined;
  });
}

/** The caller's roles by team id. */
function membershipsOf(ctx: ServiceContext, db: DbOrTx = ctx.db): ReadonlyMap<string, MemberRole> | Promise<ReadonlyMap<string, MemberRole>> {
  const userId = ctx.actor.id;
  return ctx.memo.memberships.get(
    userId,
    async () => {
      const rows = await db.select({ teamId: teamMembers.teamId, role: teamMembers.role }).from(teamMembers).where(eq(teamMembers.userId, userId));
      return new Map(rows.map((row) => [row.teamId, row.role as MemberRole]));
    },
    { shared: db === ctx.db },
  );
}

/**
 * A project's row (with its team), or undefined when there is none.
 *
 * `db` is the transaction when a mutation decides access inside it (a transaction
 * holds its connection: a query on another one could wait for it forever on the
 * embedded database). Such a mutation must decide before it changes the facts.
 */
export function projectRecord(ctx: ServiceContext, projectId: string, db: DbOrTx = ctx.db): ProjectRecord | undefined | Promise<ProjectRecord | undefined> {
  return ctx.memo.projects.get(
    projectId,
    async () => {
      const [row] = await db.select().from(projects).where(eq(projects.id, projectId)).limit(1);
      return row;
    },
    { shared: db === ctx.db },
  );
}

export function isAdmin(actor: Actor): boolean {
  return actor.role === 'admin';
}

export function requireAdmin(actor: Actor, message = 'Admin access required'): void {
  if (!isAdmin(actor)) throw new Forbidden(message);
}

/** The caller's role in the team, or undefined when they are not a member. */
export async function teamRoleOf(ctx: ServiceContext, teamId: string, db: DbOrTx = ctx.db): Promise<TeamRole | undefined> {
  return (await membershipsOf(ctx, db)).get(teamId);
}

/** Refuses any change through a read-only scope. */
export function requireWritable(ctx: ServiceContext): void {
  if (ctx.scope.readOnly) throw new Forbidden('This API key is read-only: it cannot change data. Use a key without the read-only flag.');
}

/** The project the caller's scope is bound to, if any: lists of projects and their content show only it. */
export function boundProjectId(ctx: ServiceContext): string | undefined {
  return ctx.scope.projectId;
}

/** The team of the bound project, or undefined when the scope is not bound or the project is gone. */
async function boundTeamId(ctx: ServiceContext, db: DbOrTx = ctx.db): Promise<string | undefined> {
  const projectId = ctx.scope.projectId;
  return projectId ? (await projectRecord(ctx, projectId, db))?.teamId : undefined;
}

/** Team ids the caller may read, or `'all'` for an admin (a bound scope: its project's team at most). */
export async function readableTeamIds(ctx: ServiceContext): Promise<string[] | 'all'> {
  if (ctx.scope.projectId) {
    const teamId = await boundTeamId(ctx);
    if (!teamId) return [];
    return isAdmin(ctx.actor) || (await teamRoleOf(ctx, teamId)) ? [teamId] : [];
  }
  if (isAdmin(ctx.actor)) return 'all';
  return [...(await membershipsOf(ctx)).keys()];
}

/**
 * Read access to a team: admin or member. Otherwise the team "does not exist";
 * `entity` names what the caller asked for (an idea of the team answers "Idea not found").
 */
export async function requireTeamReader(ctx: ServiceContext, teamId: string, entity = 'Team'): Promise<void> {
  if (ctx.scope.projectId && (await boundTeamId(ctx)) !== teamId) throw new NotFound(entity);
  if (isAdmin(ctx.actor)) {
    const [team] = await ctx.db.select({ id: teams.id }).from(teams).where(eq(teams.id, teamId)).limit(1);
    if (!team) throw new NotFound(entity);
    return;
  }
  if (!(await teamRoleOf(ctx, teamId))) throw new NotFound(entity);
}

/** Management of a team: admin or that team's leader. Members learn it exists but get 403. */
export async function requireTeamLeader(ctx: ServiceContext, teamId: string, message?: string, entity = 'Team'): Promise<void> {
  await requireTeamWriter(ctx, teamId, entity);
  if (isAdmin(ctx.actor)) return;
  if ((await teamRoleOf(ctx, teamId)) !== 'team_leader') throw new Forbidden(message ?? 'Only team leaders can manage this team');
}

/**
 * A change to the team itself or to what lives beside its projects (a new idea or
 * project, an idea's conversion): any member, through a scope that is neither
 * read-only nor bound to one project (such a key works inside its project only).
 */
export async function requireTeamWriter(ctx: ServiceContext, teamId: string, entity = 'Team'): Promise<void> {
  await requireTeamReader(ctx, teamId, entity);
  requireWritable(ctx);
  if (ctx.scope.projectId) throw new Forbidden('This API key is bound to one project: it cannot change the team or anything outside that project');
}

export type ProjectRow = ProjectRecord;

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
  db: DbOrTx = ctx.db,
): Promise<ProjectRow> {
  if (ctx.scope.projectId && ctx.scope.projectId !== projectId) throw new NotFound(entity);
  const project = await projectRecord(ctx, projectId, db);
  if (!project) throw new NotFound(entity);
  // Visibility first: a read-only key learns nothing of a project it could not see.
  const role = isAdmin(ctx.actor) ? 'admin' : await teamRoleOf(ctx, project.teamId, db);
  if (!role) throw new NotFound(entity);
  if (level !== 'read') requireWritable(ctx);
  if (role === 'admin') return project;
  if (level === 'manage' && role !== 'team_leader') throw new Forbidden('Only team leaders can edit projects');
  return project;
}

/**
 * Write access to a project's content. An archived project is read-only until a team
 * leader sets another status, so agents cannot keep changing finished work.
 */
export async function requireProjectWriter(ctx: ServiceContext, projectId: string, entity = 'Project', db: DbOrTx = ctx.db): Promise<ProjectRow> {
  const project = await requireProjectAccess(ctx, projectId, 'write', entity, db);
  if (project.status === 'archived') {
    throw new Conflict('Project is archived: change its status to make changes to its content');
  }
  return project;
}
