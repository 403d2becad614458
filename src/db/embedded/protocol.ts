import type { PGliteOptions } from '@electric-sql/pglite';
import type { OwnerRecord } from './ownership.js';

/** What the main thread tells the database worker at start (its `workerData`). */
export interface WorkerStart {
  /** A data directory on disk, or undefined for a throwaway in-memory database. */
  dataDir: string | undefined;
  /** For memory://: a tarball from PGlite's `dumpDataDir()` to start from instead of running initdb. */
  template: string | undefined;
  /** Where the worker listens (for a data dir: the lock socket of `dataDirPaths`). */
  socketPath: string;
  /** Recorded in the owner file so a refused starter can name who holds the directory. */
  owner: { pid: number; command: string };
  /** PGlite's code, compiled once per process and shared, so a worker does not compile it again. */
  artifacts: PgliteArtifacts;
  /** Create the data directory (initdb), close it and exit, without serving. */
  initializeOnly?: boolean;
}

// PGlite's own option types: our `lib` (no DOM) has no WebAssembly namespace of its own.
export interface PgliteArtifacts {
  pgliteWasmModule: NonNullable<PGliteOptions['pgliteWasmModule']>;
  initdbWasmModule: NonNullable<PGliteOptions['initdbWasmModule']>;
  fsBundle: Blob;
}

export type WorkerReport =
  | { type: 'ready'; openMs: number }
  | { type: 'in-use'; owner: OwnerRecord | undefined }
  | { type: 'initialized' }
  | { type: 'closed' };

export type WorkerCommand = { type: 'close' };
