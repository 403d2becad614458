import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { users } from '../../db/schema.js';
import { hashPassword } from '../../infra/passwords.js';
import type { InvitationRow } from '../invitations/rules.js';
import { ensureBootstrapInvitation } from '../invitations/service.js';
import { createPersonalTeam } from '../teams/service.js';
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

/**
 * What the server does on an installation without an admin: create the configured one,
 * or hand out a one-time admin invitation (kept across restarts until it is used).
 * Concurrent first starts are harmless: the email's unique index lets one insert win.
 */
export async function ensureFirstAdmin(db: Db, configured: { email: string; password: string } | undefined): Promise<FirstStart> {
  if (await adminExists(db)) return { kind: 'ready' };
  if (!configured) return { kind: 'invitation', invitation: await ensureBootstrapInvitation(db) };

  const email = normalizeEmail(configured.email);
  const passwordHash = await hashPassword(configured.password);
  return db.transaction(async (tx) => {
    const [created] = await tx
      .insert(users)
      .values({ email, name: 'Administrator', passwordHash, role: 'admin' })
      .onConflictDoNothing({ target: users.email })
      .returning();
    if (!created) {
      // The address exists already (a restart, or a second instance won the race): make sure it is admin.
      await tx.update(users).set({ role: 'admin' }).where(eq(users.email, email));
      return { kind: 'ready' } as const;
    }
    await createPersonalTeam(tx, created);
    return { kind: 'admin_created', email } as const;
  });
}
