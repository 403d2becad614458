import postgres, { type Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type EmbeddedServer, startEmbedded } from '../../src/db/embedded/host.js';

/**
 * The embedded database's session scheduler, seen as the app sees it: postgres.js
 * clients on the worker's socket. Every connection shares PGlite's one session, so
 * these are the cases where a naive per-message queue mixes connections up.
 * (The suite's PostgreSQL pass runs these too: they need no PostgreSQL.)
 */
describe('embedded database over its socket', () => {
  let server: EmbeddedServer;
  const clients: Sql[] = [];
  const connect = (max: number): Sql => {
    const sql = postgres({ path: server.socketPath, max, prepare: false, onnotice: () => {} });
    clients.push(sql);
    return sql;
  };

  beforeAll(async () => {
    const started = await startEmbedded({ dataDir: undefined, template: inject('pgliteTemplate'), command: 'session-scheduler.test' });
    if (!started.owned) throw new Error('an in-memory database is always its own');
    server = started.server;
    const sql = connect(1);
    await sql`create table counters (id int primary key, value int not null)`;
    await sql`create table notes (id serial primary key, body text not null)`;
    await sql`insert into counters values (1, 0)`;
  });
  afterAll(async () => {
    await Promise.all(clients.map((sql) => sql.end({ timeout: 1 })));
    await server?.close();
  });

  it('answers concurrent parameterised queries from a pool, each with its own parameters', async () => {
    const sql = connect(4);
    const answers = await Promise.all(Array.from({ length: 200 }, (_, n) => sql`select ${n}::int as n, ${`text-${n}`}::text as label`));
    expect(answers.map(([row]) => row)).toEqual(Array.from({ length: 200 }, (_, n) => ({ n, label: `text-${n}` })));
  });

  it('runs interleaved transactions one at a time: no read-modify-write is lost', async () => {
    const sql = connect(10);
    await Promise.all(
      Array.from({ length: 20 }, () =>
        sql.begin(async (tx) => {
          const [row] = await tx`select value from counters where id = 1`;
          await tx`select pg_sleep(0.001)`; // other connections' queries arrive meanwhile
          await tx`update counters set value = ${row!.value + 1} where id = 1`;
        }),
      ),
    );
    const [row] = await sql`select value from counters where id = 1`;
    expect(row!.value).toBe(20);
  });

  it('rolls back only the failing transaction and keeps serving the others', async () => {
    const sql = connect(4);
    const results = await Promise.allSettled([
      sql.begin(async (tx) => {
        await tx`insert into notes (body) values ('kept')`;
      }),
      sql.begin(async (tx) => {
        await tx`insert into notes (body) values ('rolled back')`;
        await tx`select 1 / 0`;
      }),
      sql`select 1 / 0`,
      sql`select 2 as two`,
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toMatch(/division by zero/);
    const notes = await sql`select body from notes order by id`;
    expect(notes.map((note) => note.body)).toEqual(['kept']);
  });

  it('rolls back the transaction of a client that disconnects in the middle of it, and frees the database', async () => {
    const leaving = postgres({ path: server.socketPath, max: 1, prepare: false, onnotice: () => {} });
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => (inside = resolve));
    const abandoned = leaving
      .begin(async (tx) => {
        await tx`insert into notes (body) values ('never committed')`;
        inside();
        await new Promise(() => {}); // the client goes away before it commits
      })
      .catch((error: Error) => error);
    await entered;
    await leaving.end({ timeout: 0 });
    expect(await abandoned).toBeInstanceOf(Error);

    // Answering at all proves the session was freed: the abandoned transaction owned it.
    const sql = connect(2);
    const notes = await sql`select body from notes where body = 'never committed'`;
    expect(notes).toHaveLength(0);
    await sql.begin(async (tx) => tx`insert into notes (body) values ('after')`);
    expect(await sql`select body from notes where body = 'after'`).toHaveLength(1);
  });
});
