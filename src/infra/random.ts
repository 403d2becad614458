import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

/** Random bytes from the libuv pool. */
export const randomBytesAsync = promisify(randomBytes);

/** URL-safe random text from `bytes` random bytes (32 bytes → 43 characters). */
export async function randomToken(bytes = 32): Promise<string> {
  return (await randomBytesAsync(bytes)).toString('base64url');
}
