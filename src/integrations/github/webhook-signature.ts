import { webcrypto } from 'node:crypto';

const PREFIX = 'sha256=';

/**
 * Whether `signature` (the `X-Hub-Signature-256` header) is GitHub's HMAC-SHA256 of the
 * raw body under `secret`. WebCrypto's verify runs off the event loop and compares in
 * constant time, so a forger learns nothing from how long a refusal takes.
 */
export async function isSignedByGitHub(secret: string, rawBody: Buffer, signature: string | undefined): Promise<boolean> {
  if (!signature?.startsWith(PREFIX)) return false;
  const hex = signature.slice(PREFIX.length);
  if (!/^[0-9a-f]{64}$/i.test(hex)) return false;
  const key = await webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  return webcrypto.subtle.verify('HMAC', key, Buffer.from(hex, 'hex'), rawBody);
}
