import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { SecretBox, SecretUnreadable } from '../../src/infra/secret-box.js';

const keyA = { id: 'a', key: Buffer.alloc(32, 1) };
const keyB = { id: 'b', key: Buffer.alloc(32, 2) };

describe('SecretBox (AES-256-GCM secrets at rest)', () => {
  it('opens what it sealed, and never seals the same text the same way twice', async () => {
    const box = await SecretBox.create([keyA]);
    const first = await box.seal('gho_secret-token');
    const second = await box.seal('gho_secret-token');
    expect(first).toMatch(/^a:[A-Za-z0-9_-]+$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain('gho_secret-token');
    expect(await box.open(first)).toBe('gho_secret-token');
  });

  it('rotates: a new key in front seals, the old one still opens, and old values read as stale', async () => {
    const old = await (await SecretBox.create([keyA])).seal('token-1');
    const rotated = await SecretBox.create([keyB, keyA]);
    expect(await rotated.open(old)).toBe('token-1');
    expect(rotated.isStale(old)).toBe(true);
    const resealed = await rotated.seal('token-1');
    expect(resealed.startsWith('b:')).toBe(true);
    expect(rotated.isStale(resealed)).toBe(false);
    // Once the old key is retired, values it sealed can no longer be read.
    await expect((await SecretBox.create([keyB])).open(old)).rejects.toThrow(/key "a" is not among/);
  });

  it('refuses tampered, truncated or foreign text', async () => {
    const box = await SecretBox.create([keyA]);
    const sealed = await box.seal('token');
    const flipped = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    await expect(box.open(flipped)).rejects.toBeInstanceOf(SecretUnreadable);
    await expect(box.open('a:abc')).rejects.toThrow(/too short/);
    await expect(box.open('no-key-id')).rejects.toThrow(/no key id/);
    const otherA = await SecretBox.create([{ id: 'a', key: Buffer.alloc(32, 9) }]);
    await expect(otherA.open(sealed)).rejects.toThrow(/does not authenticate/);
  });

  it('is configured from ENCRYPTION_KEYS or GITHUB_OAUTH_ENCRYPTION_KEY, and production requires one', () => {
    const k = (byte: number) => Buffer.alloc(32, byte).toString('base64');
    expect(loadConfig({ ENCRYPTION_KEYS: `new:${k(1)},old:${k(2)}` }).encryptionKeys.map((key) => key.id)).toEqual(['new', 'old']);
    expect(loadConfig({ GITHUB_OAUTH_ENCRYPTION_KEY: k(3) }).encryptionKeys.map((key) => key.id)).toEqual(['oauth']);
    expect(() => loadConfig({ ENCRYPTION_KEYS: `short:${Buffer.alloc(16).toString('base64')}` })).toThrow(/must be 32 bytes/);
    expect(() => loadConfig({ ENCRYPTION_KEYS: `a:${k(1)},a:${k(2)}` })).toThrow(/appears twice/);
    const production = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), JWT_REFRESH_SECRET: 'y'.repeat(40) };
    expect(() => loadConfig(production)).toThrow(/ENCRYPTION_KEYS: required when NODE_ENV=production/);
    expect(loadConfig({ ...production, ENCRYPTION_KEYS: `p:${k(4)}` }).encryptionKeys).toHaveLength(1);
  });
});
