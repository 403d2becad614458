import { hash, verify } from '@node-rs/argon2';

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
