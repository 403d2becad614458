import type { Db } from '../db/client.js';
import type { UserRole } from './users/rules.js';

/** Who is acting. Loaded from the database on every request, never from a token alone. */
export interface Actor {
  id: string;
  email: string;
  role: UserRole;
}

/**
 * What every service function receives: explicit, per call, never a global. Later
 * issues add `events` and `cache` here.
 */
export interface ServiceContext {
  db: Db;
  actor: Actor;
}
