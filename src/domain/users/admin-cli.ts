import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { users } from '../../db/schema.js';
import { hashPassword } from '../../infra/passwords.js';
import { assertPasswordPolicy } from '../auth/service.js';
import { createPersonalTeam } from '../teams/service.js';
import { normalizeEmail } from './rules.js';

/**
 * `intracker create-admin`: the operator's way in, with no invitation. An existing
 * account with that email is promoted and gets the new password.
 */
export async function createAdmin(
  db: Db,
  input: { email: string; password: string; name?: string | undefined },
): Promise<'created' | 'promoted'> {
  assertPasswordPolicy(input.password);
  const email = normalizeEmail(input.email);
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [promoted] = await tx
      .update(users)
      .set({ role: 'admin', passwordHash, isActive: true, ...(input.name && { name: input.name }) })
      .where(eq(users.email, email))
      .returning({ id: users.id });
    if (promoted) return 'promoted';
    const [created] = await tx
      .insert(users)
      .values({ email, name: input.name ?? 'Administrator', passwordHash, role: 'admin' })
      .returning();
    await createPersonalTeam(tx, created!);
    return 'created';
  });
}
