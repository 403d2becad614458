import { and, count, desc, eq, inArray, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { ideas, projects } from '../../db/schema.js';
import type { IDEA_STATUSES } from '../enums.js';
import { type ProjectRow, readableTeamIds, requireTeamLeader, requireTeamReader, requireTeamWriter } from '../access.js';
import type { ServiceContext } from '../context.js';
import { NotFound, RuleViolation } from '../errors.js';
import { mutate } from '../mutation.js';
import type { Page, PageRequest } from '../pagination.js';
import type { ProjectStatus } from '../projects/rules.js';
import { insertProject } from '../projects/service.js';

export type IdeaRow = typeof ideas.$inferSelect;
export type IdeaStatus = (typeof IDEA_STATUSES)[number];

export interface IdeaInput {
  teamId: string;
  title: string;
  description?: string | null | undefined;
  status?: IdeaStatus | undefined;
  tags?: string[] | undefined;
}

export type IdeaChanges = Partial<Omit<IdeaInput, 'teamId'>>;

export interface ConvertIdeaInput {
  projectName?: string | undefined;
  projectDescription?: string | null | undefined;
  projectStatus?: ProjectStatus | undefined;
  projectTags?: string[] | undefined;
  technologyTags?: string[] | undefined;
}

const LEADERS_EDIT = 'Only team leaders can edit ideas';
const LEADERS_CONVERT = 'Only team leaders can convert ideas';

/** Any member of the team may note an idea for it. */
export async function createIdea(ctx: ServiceContext, input: IdeaInput): Promise<IdeaRow> {
  await requireTeamWriter(ctx, input.teamId);
  return mutate(ctx, async (tx, record) => {
    const [idea] = await tx
      .insert(ideas)
      .values({
        teamId: input.teamId,
        title: input.title,
        description: input.description ?? null,
        status: input.status ?? 'draft',
        tags: input.tags ?? [],
        createdBy: ctx.actor.id,
        updatedBy: ctx.actor.id,
      })
      .returning();
    record.activity({ action: 'idea.created', entityType: 'idea', entityId: idea!.id, teamId: idea!.teamId, after: idea });
    record.event({ name: 'ideaUpdated', teamId: idea!.teamId, payload: { ideaId: idea!.id, teamId: idea!.teamId, changes: { action: 'created' } } });
    return idea!;
  });
}

/** The ideas of the caller's teams (an admin's: all), newest first. */
export async function listIdeas(
  ctx: ServiceContext,
  filters: { status?: IdeaStatus | undefined; teamId?: string | undefined },
  page: PageRequest,
): Promise<Page<IdeaRow>> {
  const conditions: SQL[] = [];
  if (filters.teamId) {
    await requireTeamReader(ctx, filters.teamId);
    conditions.push(eq(ideas.teamId, filters.teamId));
  } else {
    const teamIds = await readableTeamIds(ctx);
    if (teamIds !== 'all') {
      if (teamIds.length === 0) return { items: [], total: 0, page: page.page, pageSize: page.pageSize };
      conditions.push(inArray(ideas.teamId, teamIds));
    }
  }
  if (filters.status) conditions.push(eq(ideas.status, filters.status));
  const where = and(...conditions);
  const [items, [totals]] = await Promise.all([
    ctx.db.select().from(ideas).where(where).orderBy(desc(ideas.createdAt), desc(ideas.id)).limit(page.pageSize).offset(page.offset),
    ctx.db.select({ total: count() }).from(ideas).where(where),
  ]);
  return { items, total: totals?.total ?? 0, page: page.page, pageSize: page.pageSize };
}

export async function getIdea(ctx: ServiceContext, ideaId: string): Promise<IdeaRow> {
  const idea = await findIdea(ctx.db, ideaId);
  await requireTeamReader(ctx, idea.teamId, 'Idea');
  return idea;
}

/** Team leaders edit ideas; fields left out are unchanged. */
export async function updateIdea(ctx: ServiceContext, ideaId: string, changes: IdeaChanges): Promise<IdeaRow> {
  const current = await findIdea(ctx.db, ideaId);
  await requireTeamLeader(ctx, current.teamId, LEADERS_EDIT, 'Idea');
  return mutate(ctx, async (tx, record) => {
    const values: Partial<typeof ideas.$inferInsert> = { updatedBy: ctx.actor.id };
    if (changes.title !== undefined) values.title = changes.title;
    if (changes.description !== undefined) values.description = changes.description;
    if (changes.status !== undefined) values.status = changes.status;
    if (changes.tags !== undefined) values.tags = changes.tags;
    const [updated] = await tx.update(ideas).set(values).where(eq(ideas.id, ideaId)).returning();
    if (!updated) throw new NotFound('Idea');
    const fields = Object.keys(values).filter((key) => key !== 'updatedBy');
    record.activity({ action: 'idea.updated', entityType: 'idea', entityId: ideaId, teamId: updated.teamId, before: current, after: updated });
    record.event({ name: 'ideaUpdated', teamId: updated.teamId, payload: { ideaId, teamId: updated.teamId, changes: { action: 'updated', fields } } });
    return updated;
  });
}

/** Team leaders delete ideas; a project made from one stays. */
export async function deleteIdea(ctx: ServiceContext, ideaId: string): Promise<void> {
  const current = await findIdea(ctx.db, ideaId);
  await requireTeamLeader(ctx, current.teamId, LEADERS_EDIT, 'Idea');
  await mutate(ctx, async (tx, record) => {
    const [deleted] = await tx.delete(ideas).where(eq(ideas.id, ideaId)).returning({ id: ideas.id });
    if (!deleted) throw new NotFound('Idea');
    record.activity({ action: 'idea.deleted', entityType: 'idea', entityId: ideaId, teamId: current.teamId, before: current });
    record.event({ name: 'ideaUpdated', teamId: current.teamId, payload: { ideaId, teamId: current.teamId, changes: { action: 'deleted' } } });
  });
}

/**
 * Turns an idea into a project of the idea's team (with its "Default" element).
 * Idempotent: an idea already converted answers its project, also when two
 * conversions race (the idea's row is locked for the duration). Name, description
 * and tags default to the idea's (an empty tag list too); an archived idea that was
 * never converted cannot be.
 */
export async function convertIdea(ctx: ServiceContext, ideaId: string, input: ConvertIdeaInput): Promise<ProjectRow> {
  const visible = await findIdea(ctx.db, ideaId);
  await requireTeamLeader(ctx, visible.teamId, LEADERS_CONVERT, 'Idea');
  return mutate(ctx, async (tx, record) => {
    const [idea] = await tx.select().from(ideas).where(eq(ideas.id, ideaId)).for('update');
    if (!idea) throw new NotFound('Idea');
    if (idea.convertedToProjectId) {
      const [existing] = await tx.select().from(projects).where(eq(projects.id, idea.convertedToProjectId)).limit(1);
      if (existing) return existing;
    }
    if (idea.status === 'archived') throw new RuleViolation('Archived ideas cannot be converted: set the idea active or draft first');
    const project = await insertProject(tx, record, ctx.actor.id, {
      teamId: idea.teamId,
      name: input.projectName ?? idea.title,
      description: input.projectDescription !== undefined ? input.projectDescription : idea.description,
      status: input.projectStatus ?? 'active',
      tags: input.projectTags?.length ? input.projectTags : idea.tags,
      technologyTags: input.technologyTags ?? [],
    });
    const [converted] = await tx
      .update(ideas)
      .set({ convertedToProjectId: project.id, updatedBy: ctx.actor.id })
      .where(eq(ideas.id, ideaId))
      .returning();
    record.activity({ action: 'idea.converted', entityType: 'idea', entityId: ideaId, teamId: idea.teamId, projectId: project.id, before: idea, after: converted });
    record.event({
      name: 'ideaUpdated',
      teamId: idea.teamId,
      payload: { ideaId, teamId: idea.teamId, changes: { action: 'converted_to_project', converted_to_project_id: project.id } },
    });
    return project;
  });
}

async function findIdea(db: DbOrTx, ideaId: string): Promise<IdeaRow> {
  const [idea] = await db.select().from(ideas).where(eq(ideas.id, ideaId)).limit(1);
  if (!idea) throw new NotFound('Idea');
  return idea;
}
