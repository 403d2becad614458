import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { users } from '../../db/schema.js';
import { hashPassword } from '../../infra/passwords.js';
import type { Actor, ServiceContext } from '../context.js';
import type { InvitationRow } from '../invitations/rules.js';
import { ensureBootstrapInvitation } from '../invitations/service.js';
import { mutate } from '../mutation.js';
import { createPersonalTeam } from '../teams/service.js';
import { recordUserChange } from './record.js';
import { normalizeEmail } from './rules.js';

export type FirstStart =
  | { kind: 'ready' }
  | { kind: 'admin_created'; email: string }
  | { kind: 'invitation'; invitation: InvitationRow };

/** Whether the installation has an admin yet (the page at `/` offers the first-admin form until it does). */
export async function adminExists(db: Db): Promise<boolean> {
  const [admin] = await db.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).limit(1);
  return admin !== undefined;
}

export interface AdminAccount {
  email: string;
  password: string;
  name?: string | undefined;
}

/**
 * Makes `account` an admin, as one mutation acted by that admin (nobody else is there
 * to act): a new account with its own team, recorded as `user.created`; an existing
 * one promoted (and given the password when `resetPassword`), recorded as
 * `user.role_changed`. Each publishes `userUpdated`, so every instance's memo of the
 * user's role forgets it. Shared by the first start and `intracker create-admin`.
 */
export async function makeAdmin(
  db: Db,
  contextFor: (actor: Actor) => ServiceContext,
  account: AdminAccount,
  options: { resetPassword: boolean },
): Promise<'created' | 'promoted'> {
  const email = normalizeEmail(account.email);
  const existing = await userIdOf(db, email);
  if (!existing) {
    if (await createAdmin(db, contextFor, email, account)) return 'created';
    // Someone else (another instance, a registration) took the address meanwhile:
    // promote whoever holds it now, as for an account that was there before.
  }
  const userId = existing ?? (await userIdOf(db, email));
  if (!userId) throw new Error(`The account ${email} was neither created nor found`);
  const passwordHash = options.resetPassword ? await hashPassword(account.password) : undefined;
  await mutate(contextFor({ id: userId, email, role: 'admin' }), async (tx, record) => {
    await tx
      .update(users)
      .set({ role: 'admin', ...(passwordHash && { passwordHash, isActive: true }), ...(account.name && { name: account.name }) })
      .where(eq(users.id, userId));
    recordUserChange(record, userId, 'role_changed', { role: 'admin' });
  });
  return 'promoted';
}

async function userIdOf(db: Db, email: string): Promise<string | undefined> {
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
  return user?.id;
}

/** A new admin with a team of its own; false when the address was taken meanwhile. */
async function createAdmin(db: Db, contextFor: (actor: Actor) => ServiceContext, email: string, account: AdminAccount): Promise<boolean> {
  const passwordHash = await hashPassword(account.password);
  // Chosen here so the new admin can be the mutation's actor from its first row on.
  const ctx = contextFor({ id: randomUUID(), email, role: 'admin' });
  return mutate(ctx, async (tx, record) => {
    const [row] = await tx
      .insert(users)
      .values({ id: ctx.actor.id, email, name: account.name ?? 'Administrator', passwordHash, role: 'admin' })
      .onConflictDoNothing({ target: users.email })
      .returning();
    if (!row) return false;
    recordUserChange(record, row.id, 'created', { role: 'admin' });
    await createPersonalTeam(tx, row, record);
    return true;
  });
}

/**
 * What the server does on an installation without an admin: create the configured one,
 * or hand out a one-time admin invitation (kept across restarts until it is used).
 * Concurrent first starts are harmless: the email's unique index lets one insert win.
 */
export async function ensureFirstAdmin(
  db: Db,
  contextFor: (actor: Actor) => ServiceContext,
  configured: { email: string; password: string } | undefined,
): Promise<FirstStart> {
  if (await adminExists(db)) return { kind: 'ready' };
  if (!configured) return { kind: 'invitation', invitation: await ensureBootstrapInvitation(db) };
  // An existing account with the address (made before any admin existed) is promoted, its password kept.
  const result = await makeAdmin(db, contextFor, configured, { resetPassword: false });
  return result === 'created' ? { kind: 'admin_created', email: normalizeEmail(configured.email) } : { kind: 'ready' };
}
