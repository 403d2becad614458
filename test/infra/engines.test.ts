import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

/**
 * `engines.node` in package.json is a promise to whoever runs `npm ci`: every package
 * the lock file installs must run on the oldest Node it names. Without this, a
 * dependency's new major that wants Node 22 (cookie 2, content-disposition 3, both
 * ESM-only and loaded with require()) slips in as an EBADENGINE warning, and breaks
 * on a Node 20 before require(esm) existed. package.json `overrides` hold them back.
 */

interface Semver {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string } | null;
}
// semver ships no types of its own; these two functions are all this test needs.
const semver = createRequire(import.meta.url)('semver') as Semver;

interface LockFile {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
}

describe('declared Node engines', () => {
  it('every package in package-lock.json runs on the oldest Node that package.json declares', async () => {
    const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
    const lock = JSON.parse(await readFile(new URL('../../package-lock.json', import.meta.url), 'utf8')) as LockFile;
    const oldest = semver.minVersion(manifest.engines.node)?.version;
    expect(oldest).toBeDefined();
    const refused = Object.entries(lock.packages).flatMap(([path, entry]) => {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (!path || !range || semver.satisfies(oldest!, range)) return [];
      return [`${path.replace(/^.*node_modules\//, '')}@${entry.version}: node ${range}`];
    });
    expect(refused).toEqual([]);
  });
});
