import { createHash } from 'node:crypto';
import { chmod, mkdir, open, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { type Server, connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * One process owns an embedded data directory. The owner's database worker listens on
 * a Unix socket beside the directory, and that socket is the lock: binding it is
 * atomic, a socket that accepts a connection has a live owner, and one that refuses
 * is what a killed owner left behind, taken over by the next starter.
 */

/** Longest Unix socket path the kernel takes (sun_path is 108 bytes on Linux, 104 on macOS). */
const MAX_SOCKET_PATH = 103;
/** A takeover older than this was abandoned by a starter that died half way. */
const TAKEOVER_STALE_MS = 10_000;

export interface DataDirPaths {
  dataDir: string;
  socketPath: string;
  ownerFile: string;
}

/** Who owns a data directory, as the owner recorded it. */
export interface OwnerRecord {
  pid: number;
  command: string;
  socketPath: string;
  since: string;
}

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: OwnerRecord | undefined,
  ) {
    super(`the database in ${dataDir} is in use by ${describeOwner(owner)}`);
    this.name = 'DataDirInUseError';
  }
}

export function describeOwner(owner: OwnerRecord | undefined): string {
  return owner ? `process ${owner.pid} (${owner.command})` : 'another process';
}

/**
 * `DATA_DIR/pglite` → `DATA_DIR/pglite.sock` and `DATA_DIR/pglite.owner.json`. A data
 * dir too deep for a socket path gets its socket in a per-user 0700 directory under
 * the system temp dir, named after the data dir so every process finds the same one.
 */
export function dataDirPaths(dataDir: string): DataDirPaths {
  const absolute = resolve(dataDir);
  const beside = `${absolute}.sock`;
  const socketPath =
    Buffer.byteLength(beside) <= MAX_SOCKET_PATH
      ? beside
      : join(privateSocketDir(), `${createHash('sha256').update(absolute).digest('hex').slice(0, 24)}.sock`);
  return { dataDir: absolute, socketPath, ownerFile: join(dirname(absolute), `${basename(absolute)}.owner.json`) };
}

function privateSocketDir(): string {
  return join(tmpdir(), `intracker-${userInfo().uid}`);
}

export async function readOwner(paths: DataDirPaths): Promise<OwnerRecord | undefined> {
  try {
    return JSON.parse(await readFile(paths.ownerFile, 'utf8')) as OwnerRecord;
  } catch {
    return undefined; // not written yet, or left half written by a crash
  }
}

/** True when something accepts connections on the socket: its owner is alive. */
export function socketIsLive(socketPath: string): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const probe = connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolvePromise(true);
    });
    probe.once('error', () => resolvePromise(false));
  });
}

export type ClaimResult = { claimed: true; server: Server } | { claimed: false; owner: OwnerRecord | undefined };

/**
 * Binds the data dir's socket, taking over a stale one. Two starters racing for a stale
 * socket serialise on an exclusively created takeover file, and the winner checks
 * again that the socket is dead before removing it.
 */
export async function claimDataDir(paths: DataDirPaths, owner: Omit<OwnerRecord, 'socketPath' | 'since'>): Promise<ClaimResult> {
  await mkdir(dirname(paths.socketPath), { recursive: true, mode: 0o700 });
  const takeover = `${paths.socketPath}.takeover`;
  for (;;) {
    const server = createServer();
    const bound = await listen(server, paths.socketPath);
    if (bound) {
      await chmod(paths.socketPath, 0o600);
      const record: OwnerRecord = { ...owner, socketPath: paths.socketPath, since: new Date().toISOString() };
      await writeFile(paths.ownerFile, `${JSON.stringify(record)}\n`, { mode: 0o600 });
      return { claimed: true, server };
    }
    if (await socketIsLive(paths.socketPath)) return { claimed: false, owner: await readOwner(paths) };
    const lock = await open(takeover, 'wx').catch(() => undefined);
    if (lock) {
      try {
        if (!(await socketIsLive(paths.socketPath))) await unlink(paths.socketPath).catch(() => {});
      } finally {
        await lock.close();
        await unlink(takeover).catch(() => {});
      }
    } else {
      const since = await stat(takeover).then((info) => info.mtimeMs, () => Date.now());
      if (Date.now() - since > TAKEOVER_STALE_MS) await unlink(takeover).catch(() => {});
      else await new Promise((done) => setTimeout(done, 50));
    }
  }
}

function listen(server: Server, socketPath: string): Promise<boolean> {
  return new Promise((resolvePromise, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') resolvePromise(false);
      else reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolvePromise(true);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(socketPath);
  });
}

/**
 * The owner's last step. The record goes first: once the socket is gone a new owner may
 * write its own record, which must not be deleted after the fact.
 */
export async function releaseDataDir(paths: DataDirPaths, server: Server): Promise<void> {
  await rm(paths.ownerFile, { force: true });
  // Closing a Unix socket server removes its socket file (removing it by name here
  // could remove a new owner's).
  await new Promise<void>((done) => server.close(() => done()));
}
