import { webcrypto } from 'node:crypto';
import type { EncryptionKey } from '../config.js';

const IV_BYTES = 12;
const KEY_ID = /^[A-Za-z0-9_-]+$/;

/** A stored secret could not be opened: unknown key id, tampered or truncated text, wrong key. */
export class SecretUnreadable extends Error {
  constructor(reason: string) {
    super(`stored secret cannot be decrypted: ${reason}`);
    this.name = 'SecretUnreadable';
  }
}

/**
 * Secrets at rest (GitHub tokens) sealed with AES-256-GCM. A sealed value is
 * `<key id>:<base64url(iv ‖ ciphertext ‖ tag)>`: the first key seals, every key
 * opens, so a new key can be put in front and old values still read until they are
 * next written. WebCrypto runs the cipher on the libuv pool, off the event loop.
 */
export class SecretBox {
  private constructor(
    private readonly sealing: { id: string; key: webcrypto.CryptoKey },
    private readonly opening: ReadonlyMap<string, webcrypto.CryptoKey>,
  ) {}

  static async create(keys: readonly EncryptionKey[]): Promise<SecretBox> {
    if (keys.length === 0) throw new Error('SecretBox needs at least one key');
    const opening = new Map<string, webcrypto.CryptoKey>();
    for (const { id, key } of keys) {
      if (!KEY_ID.test(id)) throw new Error(`encryption key id "${id}" may hold only letters, digits, "_" and "-"`);
      if (key.length !== 32) throw new Error(`encryption key "${id}" must be 32 bytes`);
      opening.set(id, await webcrypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt', 'decrypt']));
    }
    const first = keys[0]!;
    return new SecretBox({ id: first.id, key: opening.get(first.id)! }, opening);
  }

  /** The id of the key that seals; a value sealed with another one is due for re-sealing. */
  get currentKeyId(): string {
    return this.sealing.id;
  }

  async seal(plaintext: string): Promise<string> {
    const iv = webcrypto.getRandomValues(new Uint8Array(IV_BYTES));
    const sealed = await webcrypto.subtle.encrypt({ name: 'AES-GCM', iv }, this.sealing.key, new TextEncoder().encode(plaintext));
    return `${this.sealing.id}:${Buffer.concat([iv, new Uint8Array(sealed)]).toString('base64url')}`;
  }

  async open(sealed: string): Promise<string> {
    const colon = sealed.indexOf(':');
    if (colon <= 0) throw new SecretUnreadable('no key id');
    const keyId = sealed.slice(0, colon);
    const key = this.opening.get(keyId);
    if (!key) throw new SecretUnreadable(`key "${keyId}" is not among the configured ENCRYPTION_KEYS`);
    const bytes = Buffer.from(sealed.slice(colon + 1), 'base64url');
    if (bytes.length < IV_BYTES + 16) throw new SecretUnreadable('too short');
    try {
      const plain = await webcrypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.subarray(0, IV_BYTES) }, key, bytes.subarray(IV_BYTES));
      return new TextDecoder().decode(plain);
    } catch {
      throw new SecretUnreadable(`it does not authenticate under key "${keyId}"`);
    }
  }

  /** Whether `sealed` was sealed with an older key (so writing it again moves it to the current one). */
  isStale(sealed: string): boolean {
    return !sealed.startsWith(`${this.sealing.id}:`);
  }
}
