import { eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { githubImportRuns, users } from '../../db/schema.js';
import { type GitHubImportJobPayload, type JobRun, PermanentJobError } from '../../infra/jobs/types.js';
import { isAdmin, projectRecord } from '../access.js';
import type { Actor, ServiceContext } from '../context.js';
import { DomainError, NotFound, sqlState } from '../errors.js';
import { publishCommitted } from '../mutation.js';
import { isUserRole } from '../users/rules.js';
import { githubFor } from './connection.js';
import { type IssueImportOptions, type MilestoneImportOptions, importEvent, importIssues, importMilestones, prepareImport } from './imports.js';

/**
 * GitHub imports as background jobs (`github.import`), for REST: the request checks
 * what it can up front (write access, a repository, a GitHub connection) and answers
 * 202 with the job's id; the job runs the same import as the MCP tools do inline, as
 * the user who asked, and keeps a run record (`github_import_runs`) the user reads
 * through `GET /tasks/{id}`: queued, running, completed with the import's result, or
 * failed with the reason. Progress also reaches the live board as `projectUpdated`
 * events `{action: 'github_import', kind, phase, job_id, …}`.
 */

export type ImportKind = GitHubImportJobPayload['kind'];
export type ImportOptions = GitHubImportJobPayload['options'];
export type RunStatus = 'queued' | 'running' | 'completed' | 'failed';

/** Run records older than this are deleted when new ones are made. */
const RUN_RETENTION_MS = 7 * 86_400_000;
const FOREIGN_KEY_VIOLATION = '23503';

export interface ImportRunView {
  jobId: string;
  userId: string;
  projectId: string;
  kind: string;
  options: unknown;
  status: string;
  attempts: number;
  maxAttempts: number;
  result: unknown;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/**
 * Checks that the import can start (409 not connected, 404 no repository or project,
 * 403 a read-only key, 409 an archived project) and queues it. Answers the job's id.
 */
export async function startImport(
  ctx: ServiceContext,
  enqueue: (payload: GitHubImportJobPayload) => Promise<string>,
  projectId: string,
  kind: ImportKind,
  options: ImportOptions,
  maxAttempts: number,
): Promise<string> {
  await prepareImport(ctx, projectId);
  await githubFor(ctx);
  const jobId = await enqueue({ userId: ctx.actor.id, projectId, kind, options });
  await ctx.db.delete(githubImportRuns).where(lt(githubImportRuns.createdAt, new Date(Date.now() - RUN_RETENTION_MS)));
  // The job may already have started and written its own state: that one stands.
  await ctx.db
    .insert(githubImportRuns)
    .values({ jobId, userId: ctx.actor.id, projectId, kind, options, status: 'queued', maxAttempts })
    .onConflictDoNothing();
  return jobId;
}

/** A run the caller may read: their own, or any for an admin. 404 "Task not found" otherwise. */
export async function getImportRun(ctx: ServiceContext, jobId: string): Promise<ImportRunView> {
  const [run] = await ctx.db.select().from(githubImportRuns).where(eq(githubImportRuns.jobId, jobId)).limit(1);
  if (!run || (run.userId !== ctx.actor.id && !isAdmin(ctx.actor))) throw new NotFound('Task');
  return run;
}

/**
 * The `github.import` job: the user as they are now (gone or deactivated: fails for
 * good), then the import. Failures GitHub or the rules give for good (no access, not
 * connected, the repository gone) are not retried; GitHub failing (502) is.
 */
export async function runImportJob(db: Db, contextFor: (actor: Actor) => ServiceContext, payload: GitHubImportJobPayload, run: JobRun): Promise<void> {
  const actor = await currentActor(db, payload.userId);
  if (!actor) {
    await recordRun(db, payload, run, 'failed', { error: 'The user who started this import no longer exists or was deactivated' });
    throw new PermanentJobError(`github.import: user ${payload.userId} is gone or deactivated`);
  }
  const ctx = contextFor(actor);
  const project = await projectRecord(ctx, payload.projectId);
  if (!project) {
    await recordRun(db, payload, run, 'failed', { error: 'Project not found' });
    throw new PermanentJobError(`github.import: project ${payload.projectId} is gone`);
  }
  const jobRun = { jobId: run.id };
  await recordRun(db, payload, run, 'running', {});
  await publishCommitted(ctx, [importEvent(project, payload.kind, 'started', jobRun, { attempt: run.attempt })]);
  try {
    const result =
      payload.kind === 'issues'
        ? await importIssues(ctx, payload.projectId, payload.options as IssueImportOptions, jobRun)
        : await importMilestones(ctx, payload.projectId, payload.options as MilestoneImportOptions, jobRun);
    await recordRun(db, payload, run, 'completed', { result });
  } catch (error) {
    const permanent = isPermanentFailure(error);
    const final = permanent || run.attempt >= run.maxAttempts;
    const reason = error instanceof Error ? error.message : String(error);
    await recordRun(db, payload, run, final ? 'failed' : 'queued', { error: reason });
    await publishCommitted(ctx, [importEvent(project, payload.kind, 'failed', jobRun, { error: reason, will_retry: !final })]).catch(() => undefined);
    if (permanent) throw new PermanentJobError(reason, { cause: error });
    throw error;
  }
}

/**
 * A domain error other than GitHub failing (502) or a service being unavailable
 * (503) cannot go away by trying again: no access, not connected, no repository.
 */
function isPermanentFailure(error: unknown): boolean {
  return error instanceof DomainError && error.status < 500;
}

async function currentActor(db: Db, userId: string): Promise<Actor | undefined> {
  const [user] = await db.select({ id: users.id, email: users.email, role: users.role, isActive: users.isActive }).from(users).where(eq(users.id, userId)).limit(1);
  if (!user?.isActive) return undefined;
  return { id: user.id, email: user.email, role: isUserRole(user.role) ? user.role : 'member' };
}

async function recordRun(
  db: Db,
  payload: GitHubImportJobPayload,
  run: JobRun,
  status: RunStatus,
  outcome: { result?: unknown; error?: string },
): Promise<void> {
  const finished = status === 'completed' || status === 'failed';
  const values = {
    status,
    attempts: run.attempt,
    maxAttempts: run.maxAttempts,
    result: outcome.result ?? null,
    error: outcome.error ?? null,
    updatedAt: new Date(),
    finishedAt: finished ? new Date() : null,
  };
  await db
    .insert(githubImportRuns)
    .values({ jobId: run.id, userId: payload.userId, projectId: payload.projectId, kind: payload.kind, options: payload.options, ...values })
    .onConflictDoUpdate({
      target: githubImportRuns.jobId,
      // A retry's running state still shows why the last try failed.
      set: { ...values, error: status === 'completed' ? null : (outcome.error ?? sql`${githubImportRuns.error}`) },
    })
    .catch((error: unknown) => {
      // The user or the project is gone (the row's references refuse it): nobody is left to read it.
      if (sqlState(error) !== FOREIGN_KEY_VIOLATION) throw error;
    });
}
