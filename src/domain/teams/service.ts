import { and, asc, count, eq, inArray, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { teamMembers, teams, users } from '../../db/schema.js';
import { isAdmin, readableTeamIds, requireAdmin, requireTeamLeader, requireTeamReader, type TeamRole } from '../access.js';
import type { ServiceContext } from '../context.js';
import { Conflict, Forbidden, NotFound, RuleViolation, isUniqueViolation } from '../errors.js';
import { type MutationRecorder, mutate } from '../mutation.js';
import type { Page, PageRequest } from '../pagination.js';
import { personalTeamNames, personalTeamOwnerName, type TeamLanguage, teamNameProblem } from './rules.js';

export type TeamRow = typeof teams.$inferSelect;
export type MemberRow = typeof teamMembers.$inferSelect & { userName: string | null; userEmail: string };

const duplicateName = (name: string) => new RuleViolation(`Team with name '${name}' already exists`);

function checkTeamName(name: string): void {
  const problem = teamNameProblem(name);
  if (problem) throw new RuleViolation(problem);
}

/**
 * Records a change to a team or its membership: the audit row, and a `teamUpdated`
 * event so caches and live connections learn who may now see what.
 */
export function recordTeamChange(
  record: MutationRecorder,
  teamId: string,
  action: string,
  details: { userId?: string; before?: unknown; after?: unknown } = {},
): void {
  record.activity({
    action: `team.${action}`,
    entityType: details.userId ? 'team_member' : 'team',
    entityId: details.userId ?? teamId,
    teamId,
    before: details.before,
    after: details.after,
  });
  record.event({
    name: 'teamUpdated',
    teamId,
    payload: { teamId, changes: { action, ...(details.userId && { userId: details.userId }) } },
  });
}

/**
 * Only a global admin makes team leaders, whether by invitation, by adding or by
 * promoting: a team leader could otherwise hand the leadership of the team (its
 * members, invitations and projects) to any account, and so mint leaders without
 * end. Checked after the team-leader check, so a stranger still learns nothing.
 */
export function requireMayGrantTeamRole(ctx: ServiceContext, role: TeamRole): void {
  if (role === 'team_leader' && !isAdmin(ctx.actor)) {
    throw new Forbidden('Only admins can make team leaders: invite or add the user as a member, then ask an admin to promote them');
  }
}

export async function createTeam(ctx: ServiceContext, input: { name: string; description?: string | null }): Promise<TeamRow> {
  requireAdmin(ctx.actor, 'Only admins can create teams');
  checkTeamName(input.name);
  try {
    return await mutate(ctx, async (tx, record) => {
      const [team] = await tx
        .insert(teams)
        .values({ name: input.name, description: input.description ?? null, createdBy: ctx.actor.id, updatedBy: ctx.actor.id })
        .returning();
      await tx.insert(teamMembers).values({ teamId: team!.id, userId: ctx.actor.id, role: 'team_leader' });
      recordTeamChange(record, team!.id, 'created', { after: team });
      return team!;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'teams_name_key')) throw duplicateName(input.name);
    throw error;
  }
}

/**
 * Creates "<name>'s Team" led by `user` inside the caller's transaction, trying the
 * next suffix when the name is taken. Each attempt sits in a savepoint so a clash
 * does not poison the outer transaction.
 */
export async function createPersonalTeam(
  tx: DbOrTx,
  user: { id: string; name: string | null; email: string },
  /** The caller's mutation, which records the team and the membership. */
  record: MutationRecorder,
): Promise<TeamRow> {
  for (const name of personalTeamNames(personalTeamOwnerName(user))) {
    const team = await tx.transaction(async (savepoint) => {
      const [row] = await savepoint
        .insert(teams)
        .values({ name, createdBy: user.id, updatedBy: user.id })
        .onConflictDoNothing({ target: teams.name })
        .returning();
      return row;
    });
    if (team) {
      await tx.insert(teamMembers).values({ teamId: team.id, userId: user.id, role: 'team_leader' });
      recordTeamChange(record, team.id, 'created', { after: team });
      recordTeamChange(record, team.id, 'member_added', { userId: user.id, after: { role: 'team_leader' } });
      return team;
    }
  }
  throw new Error('unreachable: team name candidates are endless');
}

export async function listTeams(ctx: ServiceContext, page: PageRequest): Promise<Page<TeamRow>> {
  const visible = await readableTeamIds(ctx);
  if (visible !== 'all' && visible.length === 0) return { items: [], total: 0, page: page.page, pageSize: page.pageSize };
  const where = visible === 'all' ? undefined : inArray(teams.id, visible);
  const [items, [totals]] = await Promise.all([
    ctx.db.select().from(teams).where(where).orderBy(asc(teams.name)).limit(page.pageSize).offset(page.offset),
    ctx.db.select({ total: count() }).from(teams).where(where),
  ]);
  return { items, total: totals?.total ?? 0, page: page.page, pageSize: page.pageSize };
}

export async function getTeam(ctx: ServiceContext, teamId: string): Promise<TeamRow> {
  await requireTeamReader(ctx, teamId);
  return loadTeam(ctx.db, teamId);
}

async function loadTeam(db: DbOrTx, teamId: string): Promise<TeamRow> {
  const [team] = await db.select().from(teams).where(eq(teams.id, teamId)).limit(1);
  if (!team) throw new NotFound('Team');
  return team;
}

export async function updateTeam(
  ctx: ServiceContext,
  teamId: string,
  changes: { name?: string | undefined; description?: string | null | undefined },
): Promise<TeamRow> {
  await requireTeamLeader(ctx, teamId, 'Only team leaders can edit the team');
  if (changes.name !== undefined) checkTeamName(changes.name);
  try {
    return await mutate(ctx, async (tx, record) => {
      const [team] = await tx
        .update(teams)
        .set({
          ...(changes.name !== undefined && { name: changes.name }),
          ...(changes.description !== undefined && { description: changes.description }),
          updatedBy: ctx.actor.id,
        })
        .where(eq(teams.id, teamId))
        .returning();
      if (!team) throw new NotFound('Team');
      recordTeamChange(record, teamId, 'updated', { after: team });
      return team;
    });
  } catch (error) {
    if (changes.name !== undefined && isUniqueViolation(error, 'teams_name_key')) throw duplicateName(changes.name);
    throw error;
  }
}

export async function deleteTeam(ctx: ServiceContext, teamId: string): Promise<void> {
  requireAdmin(ctx.actor, 'Only admins can delete teams');
  await mutate(ctx, async (tx, record) => {
    const [deleted] = await tx.delete(teams).where(eq(teams.id, teamId)).returning();
    if (!deleted) throw new NotFound('Team');
    recordTeamChange(record, teamId, 'deleted', { before: deleted });
  });
}

/** Set once: a team's language decides generated texts, so changing it later is refused. */
export async function setTeamLanguage(ctx: ServiceContext, teamId: string, language: TeamLanguage): Promise<TeamRow> {
  await requireTeamLeader(ctx, teamId, 'Only team leaders can set the team language');
  return mutate(ctx, async (tx, record) => {
    const [team] = await tx
      .update(teams)
      .set({ language, updatedBy: ctx.actor.id })
      .where(and(eq(teams.id, teamId), sql`${teams.language} is null`))
      .returning();
    if (!team) throw new RuleViolation('Team language is already set and cannot be changed');
    recordTeamChange(record, teamId, 'language_set', { after: { language } });
    return team;
  });
}

const memberColumns = {
  id: teamMembers.id,
  teamId: teamMembers.teamId,
  userId: teamMembers.userId,
  role: teamMembers.role,
  joinedAt: teamMembers.joinedAt,
  userName: users.name,
  userEmail: users.email,
};

export async function listMembers(ctx: ServiceContext, teamId: string, page: PageRequest): Promise<Page<MemberRow>> {
  await requireTeamReader(ctx, teamId);
  const where = eq(teamMembers.teamId, teamId);
  const [items, [totals]] = await Promise.all([
    ctx.db
      .select(memberColumns)
      .from(teamMembers)
      .innerJoin(users, eq(users.id, teamMembers.userId))
      .where(where)
      .orderBy(asc(teamMembers.joinedAt), asc(teamMembers.id))
      .limit(page.pageSize)
      .offset(page.offset),
    ctx.db.select({ total: count() }).from(teamMembers).where(where),
  ]);
  return { items, total: totals?.total ?? 0, page: page.page, pageSize: page.pageSize };
}

async function loadMember(db: DbOrTx, teamId: string, userId: string): Promise<MemberRow | undefined> {
  const [member] = await db
    .select(memberColumns)
    .from(teamMembers)
    .innerJoin(users, eq(users.id, teamMembers.userId))
    .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)))
    .limit(1);
  return member;
}

/** Adds an existing user (the members route). */
export async function addMember(ctx: ServiceContext, teamId: string, userId: string, role: TeamRole): Promise<MemberRow> {
  await requireTeamLeader(ctx, teamId, 'Only team leaders can add members');
  requireMayGrantTeamRole(ctx, role);
  return mutate(ctx, async (tx, record) => {
    const member = await insertMember(tx, teamId, userId, role);
    recordTeamChange(record, teamId, 'member_added', { userId, after: { role } });
    return member;
  });
}

export async function insertMember(db: DbOrTx, teamId: string, userId: string, role: TeamRole): Promise<MemberRow> {
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId)).limit(1);
  if (!user) throw new NotFound('User');
  const inserted = await db
    .insert(teamMembers)
    .values({ teamId, userId, role })
    .onConflictDoNothing({ target: [teamMembers.teamId, teamMembers.userId] })
    .returning({ id: teamMembers.id });
  if (inserted.length === 0) throw new Conflict('User is already a member of this team');
  return (await loadMember(db, teamId, userId))!;
}

export async function removeMember(ctx: ServiceContext, teamId: string, userId: string): Promise<void> {
  await requireTeamLeader(ctx, teamId, 'Only team leaders can remove members');
  await mutate(ctx, async (tx, record) => {
    // Two locks, always in this order: the user (so removals from two different teams
    // cannot both pass the last-team check) and the team's memberships (so two
    // removals from one team cannot both pass the last-leader check).
    const [user] = await tx.select({ role: users.role }).from(users).where(eq(users.id, userId)).for('no key update');
    const members = await tx
      .select({ userId: teamMembers.userId, role: teamMembers.role })
      .from(teamMembers)
      .where(eq(teamMembers.teamId, teamId))
      .for('update');
    const target = members.find((member) => member.userId === userId);
    if (!target) throw new NotFound('Team member');
    if (target.role === 'team_leader' && !members.some((m) => m.userId !== userId && m.role === 'team_leader')) {
      throw new RuleViolation('A team must keep at least one team leader');
    }
    if (user && user.role !== 'admin') {
      const [other] = await tx
        .select({ total: count() })
        .from(teamMembers)
        .where(and(eq(teamMembers.userId, userId), ne(teamMembers.teamId, teamId)));
      if ((other?.total ?? 0) === 0) {
        throw new RuleViolation('Cannot remove the user from their last team: non-admin users must be members of at least one team');
      }
    }
    await tx.delete(teamMembers).where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)));
    recordTeamChange(record, teamId, 'member_removed', { userId, before: { role: target.role } });
  });
}

export async function changeMemberRole(ctx: ServiceContext, teamId: string, userId: string, role: TeamRole): Promise<MemberRow> {
  await requireTeamLeader(ctx, teamId, 'Only team leaders can change member roles');
  requireMayGrantTeamRole(ctx, role);
  return mutate(ctx, async (tx, record) => {
    const members = await tx
      .select({ userId: teamMembers.userId, role: teamMembers.role })
      .from(teamMembers)
      .where(eq(teamMembers.teamId, teamId))
      .for('update');
    const target = members.find((member) => member.userId === userId);
    if (!target) throw new NotFound('Team member');
    const otherLeaders = members.some((m) => m.userId !== userId && m.role === 'team_leader');
    if (target.role === 'team_leader' && role !== 'team_leader' && !otherLeaders) {
      throw new RuleViolation('A team must keep at least one team leader');
    }
    await tx
      .update(teamMembers)
      .set({ role })
      .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)));
    recordTeamChange(record, teamId, 'member_role_changed', { userId, before: { role: target.role }, after: { role } });
    return (await loadMember(tx, teamId, userId))!;
  });
}
