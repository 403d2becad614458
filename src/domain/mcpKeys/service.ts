import { and, count, desc, eq, gt, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.js';
import { mcpApiKeys, users } from '../../db/schema.js';
import { randomToken } from '../../infra/random.js';
import { actorRecord, requireProjectAccess } from '../access.js';
import type { Actor, ServiceContext } from '../context.js';
import { DomainError } from '../errors.js';
import { type MutationRecorder, mutate } from '../mutation.js';
import type { DomainMemo } from '../memo.js';
import type { Page, PageRequest } from '../pagination.js';
import {
  MCP_KEY_RANDOM_BYTES,
  ONBOARDING_COMPLETE_STEP,
  ONBOARDING_MCP_KEY_STEP,
  type ToolProfile,
  expiryFrom,
  hashKey,
  isSetupCompleted,
  isUsable,
  looksLikeMcpKey,
  plaintextKey,
} from './rules.js';

/**
 * A user's MCP API keys (the credentials their coding agents use). One active key per
 * user: creating one revokes the others. Only the hash is stored; the plaintext is
 * handed back once, at creation. Every operation acts on the caller's own keys.
 */

export type McpKeyRow = typeof mcpApiKeys.$inferSelect;

export interface NewMcpKey {
  name?: string | undefined;
  expiresInDays?: number | undefined;
  /** Scope the key to one project the user can read. */
  projectId?: string | undefined;
  readOnly?: boolean | undefined;
  toolProfile?: ToolProfile | undefined;
}

/** 404s with the reference's own wording (not "<Entity> not found"). */
class McpKeyMissing extends DomainError {
  readonly status = 404;
}

const notOwnedKey = () => new McpKeyMissing('MCP API key not found or not authorized');

/** Creates the caller's new key (revoking the old ones) and returns it with its plaintext, shown once. */
export async function createMcpKey(ctx: ServiceContext, input: NewMcpKey): Promise<{ key: McpKeyRow; plaintext: string }> {
  if (input.projectId) await requireProjectAccess(ctx, input.projectId, 'read');
  const plaintext = plaintextKey(await randomToken(MCP_KEY_RANDOM_BYTES));
  const userId = ctx.actor.id;
  const key = await mutate(ctx, async (tx, record) => {
    // Serialises concurrent creations by one user, so "one active key" holds.
    await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
    const revoked = await tx
      .update(mcpApiKeys)
      .set({ isActive: false, updatedBy: userId, updatedAt: new Date() })
      .where(and(eq(mcpApiKeys.userId, userId), eq(mcpApiKeys.isActive, true)))
      .returning({ id: mcpApiKeys.id });
    const [created] = await tx
      .insert(mcpApiKeys)
      .values({
        userId,
        keyHash: hashKey(plaintext),
        name: input.name ?? null,
        projectId: input.projectId ?? null,
        readOnly: input.readOnly ?? false,
        toolProfile: input.toolProfile ?? null,
        expiresAt: expiryFrom(new Date(), input.expiresInDays),
        createdBy: userId,
        updatedBy: userId,
      })
      .returning();
    await tx
      .update(users)
      .set({ onboardingStep: sql`greatest(${users.onboardingStep}, ${ONBOARDING_MCP_KEY_STEP})` })
      .where(eq(users.id, userId));
    await recomputeSetupCompleted(tx, userId);
    for (const { id } of revoked) record.activity({ action: 'mcp_key.revoked', entityType: 'mcp_key', entityId: id });
    if (revoked.length > 0) recordKeysRevoked(record, userId, revoked.map(({ id }) => id));
    record.activity({ action: 'mcp_key.created', entityType: 'mcp_key', entityId: created!.id, after: auditShape(created!) });
    return created!;
  });
  return { key, plaintext };
}

/** The newest active key of the caller. */
export async function currentMcpKey(ctx: ServiceContext): Promise<McpKeyRow> {
  const [key] = await ctx.db
    .select()
    .from(mcpApiKeys)
    .where(and(eq(mcpApiKeys.userId, ctx.actor.id), eq(mcpApiKeys.isActive, true)))
    .orderBy(desc(mcpApiKeys.createdAt), desc(mcpApiKeys.id))
    .limit(1);
  if (!key) throw new McpKeyMissing('No active MCP API key found. Generate a new one to get started.');
  return key;
}

export async function listMcpKeys(ctx: ServiceContext, includeInactive: boolean, page: PageRequest): Promise<Page<McpKeyRow>> {
  const conditions: SQL[] = [eq(mcpApiKeys.userId, ctx.actor.id)];
  if (!includeInactive) conditions.push(eq(mcpApiKeys.isActive, true));
  const where = and(...conditions);
  const [items, [totals]] = await Promise.all([
    ctx.db.select().from(mcpApiKeys).where(where).orderBy(desc(mcpApiKeys.createdAt), desc(mcpApiKeys.id)).limit(page.pageSize).offset(page.offset),
    ctx.db.select({ total: count() }).from(mcpApiKeys).where(where),
  ]);
  return { items, total: totals?.total ?? 0, page: page.page, pageSize: page.pageSize };
}

export async function getMcpKey(ctx: ServiceContext, keyId: string): Promise<McpKeyRow> {
  const [key] = await ctx.db
    .select()
    .from(mcpApiKeys)
    .where(and(eq(mcpApiKeys.id, keyId), eq(mcpApiKeys.userId, ctx.actor.id)))
    .limit(1);
  if (!key) throw notOwnedKey();
  return key;
}

/** Deactivates one of the caller's keys (idempotent on an already revoked key). */
export async function revokeMcpKey(ctx: ServiceContext, keyId: string): Promise<void> {
  await mutate(ctx, async (tx, record) => {
    const [key] = await tx
      .update(mcpApiKeys)
      .set({ isActive: false, updatedBy: ctx.actor.id, updatedAt: new Date() })
      .where(and(eq(mcpApiKeys.id, keyId), eq(mcpApiKeys.userId, ctx.actor.id)))
      .returning();
    if (!key) throw notOwnedKey();
    await recomputeSetupCompleted(tx, ctx.actor.id);
    record.activity({ action: 'mcp_key.revoked', entityType: 'mcp_key', entityId: key.id, after: auditShape(key) });
    recordKeysRevoked(record, ctx.actor.id, [key.id]);
  });
}

export async function deleteMcpKey(ctx: ServiceContext, keyId: string): Promise<void> {
  await mutate(ctx, async (tx, record) => {
    const [key] = await tx
      .delete(mcpApiKeys)
      .where(and(eq(mcpApiKeys.id, keyId), eq(mcpApiKeys.userId, ctx.actor.id)))
      .returning();
    if (!key) throw notOwnedKey();
    await recomputeSetupCompleted(tx, ctx.actor.id);
    record.activity({ action: 'mcp_key.deleted', entityType: 'mcp_key', entityId: key.id, before: auditShape(key) });
    recordKeysRevoked(record, ctx.actor.id, [key.id]);
  });
}

/** Keys that stopped working: every instance closes the MCP sessions they opened (mcp/plugin.ts). */
function recordKeysRevoked(record: MutationRecorder, userId: string, keyIds: string[]): void {
  record.event({ name: 'mcpKeyRevoked', teamId: '', payload: { userId, keyIds } });
}

const LAST_USED_GRANULARITY_MS = 60_000;

/** Who a verified key acts as, and how far it reaches. */
export interface VerifiedMcpKey {
  keyId: string;
  actor: Actor;
  /** The one project the key is bound to, or null for all the user's projects. */
  projectId: string | null;
  readOnly: boolean;
  toolProfile: ToolProfile | null;
}

/**
 * The identity behind a plaintext MCP key: active, unexpired, its user active. Marks
 * the key used. Undefined for anything else, without saying why (no oracle).
 */
export async function verifyMcpKey(db: Db, memo: DomainMemo, plaintext: string): Promise<VerifiedMcpKey | undefined> {
  if (!looksLikeMcpKey(plaintext)) return undefined;
  const now = new Date();
  const [key] = await db
    .select()
    .from(mcpApiKeys)
    .where(and(eq(mcpApiKeys.keyHash, hashKey(plaintext)), eq(mcpApiKeys.isActive, true), or(isNull(mcpApiKeys.expiresAt), gt(mcpApiKeys.expiresAt, now))))
    .limit(1);
  if (!key || !isUsable(key, now)) return undefined;
  // The user as the REST path sees them (the memo, which role and activity events
  // invalidate), read on every request: a demoted or deactivated user's next MCP call
  // already acts as they are now.
  const user = await actorRecord(memo, db, key.userId);
  if (!user || !user.isActive) return undefined;
  // At most one write a minute per key: an agent makes many calls, and "last used"
  // needs no finer grain. updated_at stays: using a key is not a change to it.
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
    await db.update(mcpApiKeys).set({ lastUsedAt: now, updatedAt: sql`${mcpApiKeys.updatedAt}` }).where(eq(mcpApiKeys.id, key.id));
  }
  return {
    keyId: key.id,
    actor: { id: user.id, email: user.email, role: user.role },
    projectId: key.projectId,
    readOnly: key.readOnly,
    toolProfile: key.toolProfile as ToolProfile | null,
  };
}

/**
 * `setup_completed` := an active key AND a GitHub token (data-model §3.13); may turn it
 * back off. Completing it moves onboarding to its last step (5); losing it leaves the step.
 */
export async function recomputeSetupCompleted(tx: DbOrTx, userId: string): Promise<void> {
  const [active] = await tx
    .select({ total: count() })
    .from(mcpApiKeys)
    .where(and(eq(mcpApiKeys.userId, userId), eq(mcpApiKeys.isActive, true)));
  const [user] = await tx.select({ token: users.githubAccessTokenEncrypted }).from(users).where(eq(users.id, userId));
  if (!user) return;
  const completed = isSetupCompleted((active?.total ?? 0) > 0, user.token !== null);
  await tx
    .update(users)
    .set({
      setupCompleted: completed,
      ...(completed ? { onboardingStep: sql`greatest(${users.onboardingStep}, ${ONBOARDING_COMPLETE_STEP})` } : {}),
    })
    .where(eq(users.id, userId));
}

/** What the audit log keeps of a key: everything but its hash. */
function auditShape(key: McpKeyRow) {
  const { keyHash: _hash, ...rest } = key;
  return rest;
}
