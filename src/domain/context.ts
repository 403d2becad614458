import type { Db } from '../db/client.js';
import type { EventBus } from '../events/bus.js';
import type { Cache } from '../infra/cache.js';
import type { UserRole } from './users/rules.js';

/** Who is acting. Loaded from the database on every request, never from a token alone. */
export interface Actor {
  id: string;
  email: string;
  role: UserRole;
}

/** What every service function receives: explicit, per call, never a global. */
export interface ServiceContext {
  db: Db;
  actor: Actor;
  events: EventBus;
  cache: Cache;
}
