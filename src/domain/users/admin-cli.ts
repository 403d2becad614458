import type { Db } from '../../db/client.js';
import { assertPasswordPolicy } from '../auth/service.js';
import type { Actor, ServiceContext } from '../context.js';
import { makeAdmin } from './bootstrap.js';

/**
 * `intracker create-admin`: the operator's way in, with no invitation. An existing
 * account with that email is promoted, reactivated and gets the new password.
 */
export async function createAdmin(
  db: Db,
  contextFor: (actor: Actor) => ServiceContext,
  input: { email: string; password: string; name?: string | undefined },
): Promise<'created' | 'promoted'> {
  assertPasswordPolicy(input.password);
  return makeAdmin(db, contextFor, input, { resetPassword: true });
}
