import { hash, verify } from '@node-rs/argon2';
import pLimit, { type LimitFunction } from 'p-limit';

/**
 * argon2id through @node-rs/argon2, which hashes on the libuv thread pool, so a login
 * never holds the event loop. Parameters are the library's defaults (OWASP's
 * 19 MiB / 2 passes / 1 lane minimum is exceeded).
 */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    // A malformed stored hash is a failed login, not a crash.
    return false;
  }
}

/**
 * Hashing for request paths (logins, registrations), at most `concurrency` at a
 * time. Off the loop is not enough on a small machine: four pool threads hashing
 * on two cores leave the event loop a fraction of a core, and every other request
 * waits for its turn on the CPU. Bounded to one core fewer than the machine has,
 * a burst of logins queues here instead of slowing everyone else down.
 */
export class PasswordHashing {
  private readonly limit: LimitFunction;

  constructor(concurrency: number) {
    this.limit = pLimit(Math.max(1, concurrency));
  }

  hash(password: string): Promise<string> {
    return this.limit(() => hashPassword(password));
  }

  verify(passwordHash: string, password: string): Promise<boolean> {
    return this.limit(() => verifyPassword(passwordHash, password));
  }
}
