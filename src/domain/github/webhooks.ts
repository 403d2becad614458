import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { activity, githubWebhookDeliveries, projects, teamMembers, users } from '../../db/schema.js';
import { isSignedByGitHub } from '../../integrations/github/webhook-signature.js';
import type { ProjectRow } from '../access.js';
import type { Actor, ServiceContext } from '../context.js';
import { RuleViolation, Unauthenticated, Unavailable } from '../errors.js';
import { mutate } from '../mutation.js';
import { isUserRole } from '../users/rules.js';
import { type IssueFacts, type PullRequestFacts, type WebhookAction, applyWebhookAction } from './webhook-actions.js';

/**
 * `POST /github/webhook` (DECISIONS.md "GitHub"): a delivery counts only when its
 * `X-Hub-Signature-256` is GitHub's HMAC of the raw body under `GITHUB_WEBHOOK_SECRET`;
 * it finds the projects connected to its repository by GitHub's numeric id, and acts
 * once per delivery: the delivery is recorded in the same transaction as what it does,
 * so a replay is answered "duplicate" and a delivery whose action failed is not
 * marked as done (GitHub's redelivery then tries again).
 *
 * Who acts: nobody signed in. Every change is recorded (activity rows, `updated_by`,
 * the events' `actorId`) as the user who connected the project to the repository:
 * `mutate` and the audit log need a user, and that user is the one who asked for
 * GitHub to drive the project. When that cannot be told (their activity row is gone),
 * the project's creator stands in, then a leader of its team.
 */

export interface WebhookDelivery {
  event: string | undefined;
  deliveryId: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
}

export interface WebhookDeps {
  db: Db;
  secret: string | undefined;
  contextFor(actor: Actor): ServiceContext;
}

export type WebhookStatus = 'processed' | 'duplicate' | 'ignored' | 'pong';

export interface WebhookAnswer {
  httpStatus: 200 | 202;
  body: { status: WebhookStatus; event?: string; action?: string; reason?: string; todos_updated?: number; projects?: number };
}

/** 503: the deployment has not set a webhook secret, so no delivery can be trusted. */
export class WebhooksNotConfigured extends Unavailable {
  constructor() {
    super('GitHub webhooks are not configured on this server (GITHUB_WEBHOOK_SECRET)');
  }
}

const MAX_DELIVERY_ID_LENGTH = 60;

export async function receiveGitHubWebhook(deps: WebhookDeps, delivery: WebhookDelivery): Promise<WebhookAnswer> {
  if (!deps.secret) throw new WebhooksNotConfigured();
  if (!(await isSignedByGitHub(deps.secret, delivery.rawBody, delivery.signature))) {
    throw new Unauthenticated('Missing or invalid X-Hub-Signature-256: the body must be signed with the webhook secret (HMAC-SHA256)');
  }
  const deliveryId = delivery.deliveryId?.trim();
  if (!deliveryId) throw new RuleViolation('X-GitHub-Delivery header is required');
  if (deliveryId.length > MAX_DELIVERY_ID_LENGTH) throw new RuleViolation(`X-GitHub-Delivery must be at most ${MAX_DELIVERY_ID_LENGTH} characters`);
  const event = delivery.event?.trim();
  if (!event) throw new RuleViolation('X-GitHub-Event header is required');
  const payload = parsePayload(delivery.rawBody);
  const actionName = text(payload.action) ?? undefined;
  const named = { event, ...(actionName !== undefined && { action: actionName }) };

  if (event === 'ping') return { httpStatus: 200, body: { status: 'pong', event } };
  const action = actionOf(event, payload);
  if (typeof action === 'string') return ignored(named, action);
  const repositoryId = repositoryIdOf(payload);
  if (!repositoryId) return ignored(named, 'the payload names no repository');
  const connected = await deps.db.select().from(projects).where(eq(projects.githubRepoId, repositoryId)).orderBy(asc(projects.createdAt));
  const fullName = text(record(payload.repository)?.full_name) ?? repositoryId;
  if (connected.length === 0) return ignored(named, `no project is connected to repository ${fullName}`);
  const open = connected.filter((project) => project.status !== 'archived');
  if (open.length === 0) return ignored(named, 'the projects connected to this repository are archived');

  let processed = 0;
  let duplicates = 0;
  let todosUpdated = 0;
  for (const project of open) {
    const actor = await actingUser(deps.db, project);
    if (!actor) continue;
    const outcome = await mutate(deps.contextFor(actor), async (tx, recorder) => {
      // One record per delivery and project, so each project's part is done once.
      const [fresh] = await tx
        .insert(githubWebhookDeliveries)
        .values({ deliveryId: `${deliveryId}/${project.id}`, event })
        .onConflictDoNothing()
        .returning({ id: githubWebhookDeliveries.deliveryId });
      if (!fresh) return undefined;
      return applyWebhookAction(tx, recorder, actor.id, project, action);
    });
    if (outcome === undefined) {
      duplicates += 1;
      continue;
    }
    processed += 1;
    todosUpdated += outcome;
  }
  if (processed === 0 && duplicates === 0) return ignored(named, 'no user of the connected project to record the change as');
  if (processed === 0) return { httpStatus: 200, body: { status: 'duplicate', ...named } };
  return { httpStatus: 200, body: { status: 'processed', ...named, todos_updated: todosUpdated, projects: processed } };
}

function ignored(named: { event: string; action?: string }, reason: string): WebhookAnswer {
  return { httpStatus: 202, body: { status: 'ignored', ...named, reason } };
}

function parsePayload(rawBody: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new RuleViolation('The webhook body is not valid JSON');
  }
  const object = record(parsed);
  if (!object) throw new RuleViolation('The webhook body must be a JSON object');
  return object;
}

/** What the event asks of us, or why it asks nothing. */
function actionOf(event: string, payload: Record<string, unknown>): WebhookAction | string {
  const action = text(payload.action);
  if (event === 'pull_request') {
    const pull = pullOf(payload.pull_request);
    if (!pull) return 'the payload has no pull request';
    if (action === 'closed') return record(payload.pull_request)?.merged === true ? { kind: 'pull_request_merged', pull: pull } : 'closed without merging';
    if (action === 'opened' || action === 'reopened' || action === 'edited') return { kind: 'pull_request_linked', pull };
    return `pull_request ${action ?? '(no action)'} changes nothing here`;
  }
  if (event === 'issues') {
    const issue = issueOf(payload.issue);
    if (!issue) return 'the payload has no issue';
    if (action === 'edited') return { kind: 'issue_edited', issue };
    if (action === 'closed') return { kind: 'issue_state', issue, state: 'closed' };
    if (action === 'reopened') return { kind: 'issue_state', issue, state: 'open' };
    return `issues ${action ?? '(no action)'} changes nothing here`;
  }
  return `${event} events change nothing here`;
}

function pullOf(value: unknown): PullRequestFacts | undefined {
  const pull = record(value);
  const number = pull?.number;
  if (!pull || !isIssueNumber(number)) return undefined;
  return { number, htmlUrl: text(pull.html_url), title: text(pull.title), body: text(pull.body) };
}

function issueOf(value: unknown): IssueFacts | undefined {
  const issue = record(value);
  const number = issue?.number;
  if (!issue || !isIssueNumber(number)) return undefined;
  return { number, title: text(issue.title) ?? '', body: text(issue.body) };
}

function repositoryIdOf(payload: Record<string, unknown>): string | undefined {
  const id = record(payload.repository)?.id;
  if (typeof id === 'number' && Number.isSafeInteger(id)) return String(id);
  if (typeof id === 'string' && /^\d{1,20}$/.test(id)) return id;
  return undefined;
}

function isIssueNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 2_147_483_647;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * The user the project's GitHub changes are recorded as (see the module comment): the
 * one who connected the repository now connected, else the project's creator, else
 * the longest-standing leader of its team. Undefined when there is nobody.
 */
async function actingUser(db: Db, project: ProjectRow): Promise<Actor | undefined> {
  const columns = { id: users.id, email: users.email, role: users.role };
  const repoId = project.githubRepoId;
  const [connector] = await db
    .select(columns)
    .from(activity)
    .innerJoin(users, eq(users.id, activity.actorId))
    .where(
      and(
        eq(activity.entityType, 'project'),
        eq(activity.entityId, project.id),
        sql`coalesce(${activity.after}->>'githubRepoId', ${activity.after}->>'github_repo_id') = ${repoId}`,
      ),
    )
    .orderBy(desc(activity.at))
    .limit(1);
  const [creator] = connector || !project.createdBy ? [] : await db.select(columns).from(users).where(eq(users.id, project.createdBy)).limit(1);
  const [leader] =
    connector || creator
      ? []
      : await db
          .select(columns)
          .from(teamMembers)
          .innerJoin(users, eq(users.id, teamMembers.userId))
          .where(and(eq(teamMembers.teamId, project.teamId), eq(teamMembers.role, 'team_leader')))
          .orderBy(asc(teamMembers.joinedAt))
          .limit(1);
  const user = connector ?? creator ?? leader;
  return user && { id: user.id, email: user.email, role: isUserRole(user.role) ? user.role : 'member' };
}
