import type { PGlite } from '@electric-sql/pglite';

/**
 * Decides which client connection's wire-protocol messages PGlite runs next.
 *
 * PGlite is one PostgreSQL backend: every socket connection shares its one session.
 * pglite-socket's own queue runs each protocol message on its own, so another
 * connection's Parse can land between this connection's Parse and Bind, and it pays
 * one WebAssembly call per message. This scheduler instead
 * - buffers a connection's messages until the client waits for an answer (Sync,
 *   simple Query, Flush, Terminate, or the startup packet) and runs them as one batch;
 * - lets one connection own the session from a batch until it is idle again: while
 *   PGlite is inside a transaction, or after a Flush (postgres.js describes a
 *   statement, waits for the answer, then binds it), only the owner's batches run.
 *
 * It has the shape pglite-socket's `PGLiteSocketHandler` expects of its `queryQueue`.
 */

/** Message types after which a client waits for the server (PostgreSQL protocol §55.7). */
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const FLUSH = 0x48; // 'H'
const TERMINATE = 0x58; // 'X'
const STARTUP = 0x00; // a startup packet starts with its length, whose top byte is 0
const SYNC_MESSAGE = new Uint8Array([SYNC, 0, 0, 0, 4]);

interface Batch {
  handlerId: number;
  bytes: Uint8Array;
  /** The client will send more of the same exchange once it has the answer. */
  continues: boolean;
  onData: (data: Uint8Array) => void;
  resolve: (size: number) => void;
  reject: (error: Error) => void;
}

export class ConnectionGoneError extends Error {
  constructor(handlerId: number) {
    super(`connection ${handlerId} closed before its messages ran`);
    this.name = 'ConnectionGoneError';
  }
}

export class SessionScheduler {
  private readonly pending = new Map<number, Uint8Array[]>();
  private ready: Batch[] = [];
  private owner: number | null = null;
  /** Set while a batch or a rollback runs, so the two never overlap. */
  private running: Promise<void> | null = null;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    const type = message[0];
    const parts = this.pending.get(handlerId) ?? [];
    parts.push(message);
    if (type !== SYNC && type !== QUERY && type !== FLUSH && type !== TERMINATE && type !== STARTUP) {
      this.pending.set(handlerId, parts);
      // Nothing to answer yet: the handler goes on reading this connection's next message.
      return Promise.resolve(0);
    }
    this.pending.delete(handlerId);
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    return new Promise<number>((resolve, reject) => {
      this.ready.push({ handlerId, bytes, continues: type === FLUSH, onData, resolve, reject });
      this.pump();
    });
  }

  getQueueLength(): number {
    return this.ready.length;
  }

  clearQueueForHandler(handlerId: number): void {
    this.pending.delete(handlerId);
    this.ready = this.ready.filter((batch) => {
      if (batch.handlerId !== handlerId) return true;
      batch.reject(new ConnectionGoneError(handlerId));
      return false;
    });
  }

  /** A connection went away: if it owned the session, roll its transaction back and free it. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    while (this.running) await this.running;
    if (this.owner !== handlerId) return;
    const rollback = (async () => {
      // A Sync ends whatever extended-protocol exchange it left half done (an error
      // there would make the backend skip the next client's messages up to a Sync).
      await this.db.execProtocolRawStream(SYNC_MESSAGE, { onRawData: () => {} });
      if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    })();
    this.running = rollback.then(
      () => undefined,
      () => undefined,
    );
    try {
      await rollback;
    } finally {
      this.owner = null;
      this.running = null;
      this.pump();
    }
  }

  private pump(): void {
    if (this.running) return;
    const index = this.owner === null ? 0 : this.ready.findIndex((batch) => batch.handlerId === this.owner);
    if (index < 0 || this.ready.length === 0) return;
    const [batch] = this.ready.splice(index, 1);
    this.running = this.run(batch!).finally(() => {
      this.running = null;
      this.pump();
    });
  }

  private async run(batch: Batch): Promise<void> {
    let size = 0;
    try {
      await this.db.execProtocolRawStream(batch.bytes, {
        onRawData: (data) => {
          size += data.length;
          batch.onData(data);
        },
      });
    } catch (error) {
      // PGlite itself failed (not a SQL error, which comes back as an ErrorResponse):
      // free the session so the other connections are not stuck behind this one.
      this.owner = null;
      batch.reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.owner = batch.continues || this.db.isInTransaction() ? batch.handlerId : null;
    batch.resolve(size);
  }
}
