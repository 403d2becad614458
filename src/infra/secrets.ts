import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Config, EncryptionKey } from '../config.js';
import { randomBytesAsync, randomToken } from './random.js';

export interface JwtSecrets {
  accessSecret: string;
  refreshSecret: string;
}

/**
 * JWT secrets from the environment, or, on an embedded install where none are set,
 * generated once and kept in DATA_DIR so sessions survive a restart. Production
 * never gets here without them: config validation refuses to start.
 */
export async function resolveJwtSecrets(config: Config, log: FastifyBaseLogger): Promise<JwtSecrets> {
  const { accessSecret, refreshSecret } = config.jwt;
  if (accessSecret && refreshSecret) return { accessSecret, refreshSecret };
  if (config.database.kind === 'pglite' && config.database.dataDir === undefined) {
    // A throwaway database: tokens cannot outlive it anyway.
    return { accessSecret: accessSecret ?? (await randomToken(48)), refreshSecret: refreshSecret ?? (await randomToken(48)) };
  }
  const file = join(config.dataDir, 'jwt-secrets.json');
  const stored = await readStored(file);
  const secrets = {
    accessSecret: accessSecret ?? stored?.accessSecret ?? (await randomToken(48)),
    refreshSecret: refreshSecret ?? stored?.refreshSecret ?? (await randomToken(48)),
  };
  if (!stored) {
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(file, JSON.stringify(secrets), { mode: 0o600 });
    log.warn({ file }, 'JWT_SECRET/JWT_REFRESH_SECRET not set: generated secrets and stored them in DATA_DIR');
  }
  return secrets;
}

async function readStored(file: string): Promise<JwtSecrets | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<JwtSecrets>;
    if (typeof parsed.accessSecret === 'string' && typeof parsed.refreshSecret === 'string') {
      return { accessSecret: parsed.accessSecret, refreshSecret: parsed.refreshSecret };
    }
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The keys for secrets at rest: the configured ones, or, on an embedded install with
 * none, one generated once and kept in DATA_DIR (a throwaway `memory://` database gets
 * a key of its own). Production refuses to start without ENCRYPTION_KEYS (config.ts).
 */
export async function resolveEncryptionKeys(config: Config, log: FastifyBaseLogger): Promise<EncryptionKey[]> {
  if (config.encryptionKeys.length > 0) return config.encryptionKeys;
  if (config.database.kind === 'pglite' && config.database.dataDir === undefined) {
    return [{ id: 'ephemeral', key: await randomBytesAsync(32) }];
  }
  const file = join(config.dataDir, 'encryption-key');
  try {
    return [{ id: 'local', key: Buffer.from((await readFile(file, 'utf8')).trim(), 'base64') }];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = await randomBytesAsync(32);
  await mkdir(config.dataDir, { recursive: true });
  // `wx`: two processes starting at once must not each write a different key.
  await writeFile(file, key.toString('base64'), { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  log.warn({ file }, 'ENCRYPTION_KEYS not set: generated a key for secrets at rest and stored it in DATA_DIR; back it up with the data');
  return [{ id: 'local', key: Buffer.from((await readFile(file, 'utf8')).trim(), 'base64') }];
}
