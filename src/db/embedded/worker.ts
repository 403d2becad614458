import { mkdir, readFile } from 'node:fs/promises';
import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import { claimDataDir, dataDirPaths, releaseDataDir } from './ownership.js';
import type { WorkerCommand, WorkerReport, WorkerStart } from './protocol.js';
import { SessionScheduler } from './session-scheduler.js';

/**
 * The embedded database's thread: PGlite (PostgreSQL compiled to WebAssembly) runs
 * here, so no query ever runs on the app's event loop, and speaks the PostgreSQL wire
 * protocol on a Unix socket, so the app reaches it with postgres.js exactly as it
 * reaches a real server.
 */

// PGlite's defaults size shared memory for a server (128 MB of buffers, 100
// connections' worth of lock and process tables); an embedded database of a few teams'
// projects, reached by one backend, fits in far less, and every megabyte is resident.
// Measured on a migrated data dir: 327 MB RSS with the defaults, ~165 MB with these.
const START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB', '-c', 'wal_buffers=1MB', '-c', 'max_connections=10'];

const port = parentPort;
if (!port) throw new Error('the embedded database runs as a worker thread');
const start = workerData as WorkerStart;
const report = (message: WorkerReport) => port.postMessage(message);

const paths = start.dataDir ? dataDirPaths(start.dataDir) : undefined;
const server = await listen();

/** The data directory's lock socket (or, in memory, a private one); exits when another process owns it. */
async function listen(): Promise<Server> {
  if (!paths) {
    const own = createServer();
    await new Promise<void>((done) => own.listen(start.socketPath, done));
    return own;
  }
  const claim = await claimDataDir(paths, start.owner);
  if (claim.claimed) return claim.server;
  report({ type: 'in-use', owner: claim.owner });
  port!.close();
  process.exit(0);
}

// Connections that arrive while PGlite opens wait, unread: the socket buffers their bytes.
const sockets = new Set<Socket>();
server.on('connection', (socket: Socket) => {
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
});

const startedAt = performance.now();
if (start.dataDir) await mkdir(start.dataDir, { recursive: true });
const template = start.template ? new Blob([await readFile(start.template)]) : undefined;
const db = await PGlite.create(start.dataDir ?? 'memory://', {
  startParams: START_PARAMS,
  ...start.artifacts,
  ...(template ? { loadDataDir: template } : {}),
});
if (start.initializeOnly) {
  await db.close();
  if (paths) await releaseDataDir(paths, server);
  report({ type: 'initialized' });
  port.close();
  process.exit(0);
}
const scheduler = new SessionScheduler(db);

// PGLiteSocketHandler declares its queue as pglite-socket's own QueryQueueManager class,
// whose private members no other class can match structurally; the handler calls only
// the four public methods SessionScheduler implements (enqueue, getQueueLength,
// clearQueueForHandler, clearTransactionIfNeeded).
const queryQueue = scheduler as unknown as PGLiteSocketHandlerOptions['queryQueue'];
const attach = (socket: Socket) => void new PGLiteSocketHandler({ queryQueue, closeOnDetach: true }).attach(socket);
for (const socket of sockets) attach(socket);
server.removeAllListeners('connection');
server.on('connection', (socket: Socket) => {
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
  attach(socket);
});
report({ type: 'ready', openMs: Math.round(performance.now() - startedAt) });

port.on('message', (command: WorkerCommand) => {
  if (command.type === 'close') void close();
});

async function close(): Promise<void> {
  for (const socket of sockets) socket.destroy();
  // Closing PGlite checkpoints: everything committed is in the data dir's files.
  await db.close();
  if (paths) await releaseDataDir(paths, server);
  else await new Promise<void>((done) => server.close(() => done()));
  report({ type: 'closed' });
  port?.close();
}
