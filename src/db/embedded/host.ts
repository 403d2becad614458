import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type OwnerRecord, dataDirPaths } from './ownership.js';
import type { PgliteArtifacts, WorkerCommand, WorkerReport, WorkerStart } from './protocol.js';

/** The embedded database as the main thread sees it: a socket to connect to, and its worker. */
export interface EmbeddedServer {
  socketPath: string;
  openMs: number;
  /** Rejects with the reason if the worker stops before `close()` asked it to. */
  stopped: Promise<never>;
  close(): Promise<void>;
}

export type EmbeddedStart = { owned: true; server: EmbeddedServer } | { owned: false; socketPath: string; owner: OwnerRecord | undefined };

export class EmbeddedDatabaseError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'EmbeddedDatabaseError';
  }
}

/**
 * Starts the database worker: on `dataDir` it claims the directory (or reports its
 * live owner), without one it runs an in-memory database on a private socket.
 */
export async function startEmbedded(options: { dataDir: string | undefined; template: string | undefined; command: string }): Promise<EmbeddedStart> {
  const privateDir = options.dataDir ? undefined : await mkdtemp(join(tmpdir(), 'intracker-db-'));
  const socketPath = options.dataDir ? dataDirPaths(options.dataDir).socketPath : join(privateDir!, 'db.sock');
  const start: WorkerStart = {
    dataDir: options.dataDir,
    template: options.template,
    socketPath,
    owner: { pid: process.pid, command: options.command },
    artifacts: await pgliteArtifacts(),
  };
  if (options.dataDir && !(await isInitialized(options.dataDir))) {
    const first = await initializeDataDir(start);
    if (first) return first;
  }
  const worker = spawnWorker(start);
  let closing = false;
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  const failure = new Promise<never>((_, reject) => {
    worker.once('error', (error) => reject(new EmbeddedDatabaseError(`the embedded database worker failed: ${error.message}`, { cause: error })));
    void exited.then((code) => {
      if (!closing) reject(new EmbeddedDatabaseError(`the embedded database worker stopped (exit code ${code})`));
    });
  });
  failure.catch(() => {}); // observed through `stopped` and the first report; never unhandled
  const cleanupPrivateDir = async () => {
    if (privateDir) await rm(privateDir, { recursive: true, force: true });
  };

  let first: WorkerReport;
  try {
    first = await Promise.race([nextReport(worker), failure]);
  } catch (error) {
    await cleanupPrivateDir();
    throw error;
  }
  if (first.type === 'in-use') {
    closing = true;
    await exited;
    return { owned: false, socketPath, owner: first.owner };
  }
  if (first.type !== 'ready') throw new EmbeddedDatabaseError(`the embedded database worker answered ${first.type} at start`);

  return {
    owned: true,
    server: {
      socketPath,
      openMs: first.openMs,
      stopped: failure,
      close: async () => {
        if (closing) return;
        closing = true;
        const closed = nextReport(worker);
        worker.postMessage({ type: 'close' } satisfies WorkerCommand);
        // A worker that cannot close in time is stopped anyway: shutdown must not hang.
        await Promise.race([closed, exited, delay(CLOSE_TIMEOUT_MS)]);
        await worker.terminate();
        await cleanupPrivateDir();
      },
    },
  };
}

// PGlite's WebAssembly compiled once per process: a fresh worker would otherwise spend
// seconds compiling 9 MB of it on every start (a test run starts dozens). A value made
// on first use and never changed after: immutable, process-wide artifacts, not state.
const pgliteArtifacts = onFirstUse(loadArtifacts);

/** `make`'s promise, made on the first call and shared by every later one; a failure is retried. */
function onFirstUse<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make().catch((error: unknown) => {
      made = undefined;
      throw error;
    });
    return made;
  };
}

// Node has WebAssembly as a global value; our `lib` (no DOM) declares only its types.
type CompiledModule = PgliteArtifacts['pgliteWasmModule'];
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<CompiledModule> } }).WebAssembly;

async function loadArtifacts(): Promise<PgliteArtifacts> {
  // PGlite's files sit beside its entry point (createRequire: vitest has no import.meta.resolve).
  const dist = new URL('./', pathToFileURL(createRequire(import.meta.url).resolve('@electric-sql/pglite')));
  const [pglite, initdb, bundle] = await Promise.all(
    ['pglite.wasm', 'initdb.wasm', 'pglite.data'].map((name) => readFile(new URL(name, dist))),
  );
  const [pgliteWasmModule, initdbWasmModule] = await Promise.all([wasm.compile(pglite!), wasm.compile(initdb!)]);
  return { pgliteWasmModule, initdbWasmModule, fsBundle: new Blob([bundle!]) };
}

const CLOSE_TIMEOUT_MS = 15_000;

async function isInitialized(dataDir: string): Promise<boolean> {
  return access(join(dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
}

/**
 * A new data directory is created (initdb) by a worker of its own that then exits:
 * initdb's WebAssembly instance leaves ~500 MB behind in the thread that ran it
 * (774 MB RSS after a first start against 269 MB after a restart), and ending the
 * thread is what gives it back. Costs one more open, on the first start only.
 * Answers the refusal when another process claimed the directory meanwhile.
 */
async function initializeDataDir(start: WorkerStart): Promise<EmbeddedStart | undefined> {
  const worker = spawnWorker({ ...start, initializeOnly: true });
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  const failed = new Promise<never>((_, reject) => {
    worker.once('error', (error) => reject(new EmbeddedDatabaseError(`the embedded database worker failed while creating the data directory: ${error.message}`, { cause: error })));
  });
  const report = await Promise.race([nextReport(worker), failed, exited.then((code) => ({ type: 'exit', code }) as const)]);
  await exited;
  if (report.type === 'in-use') return { owned: false, socketPath: start.socketPath, owner: report.owner };
  if (report.type !== 'initialized') throw new EmbeddedDatabaseError(`the embedded database worker could not create the data directory (${report.type})`);
  return undefined;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function nextReport(worker: Worker): Promise<WorkerReport> {
  return new Promise((resolve) => worker.once('message', resolve));
}

function spawnWorker(start: WorkerStart): Worker {
  const entry = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);
  if (entry.pathname.endsWith('.ts')) {
    // Running from sources (tsx, vitest): a worker thread gets no TypeScript loader of
    // its own, so it loads the worker through tsx's API (a dev dependency, as sources are).
    const boot = `import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(entry.href)}))`;
    return new Worker(boot, { eval: true, workerData: start });
  }
  return new Worker(entry, { workerData: start });
}
