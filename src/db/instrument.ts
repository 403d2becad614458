import type { Sql } from 'postgres';

/** What the database layer reports about its use; `/metrics` turns it into series. */
export interface DatabaseObserver {
  /** Once, when the pool is made: how many connections it may open. */
  poolCreated(size: number): void;
  querySettled(seconds: number, outcome: 'ok' | 'error'): void;
  /** +1 when a query is sent, -1 when it settles. */
  queriesInFlight(delta: 1 | -1): void;
  /** +1 when a transaction reserves a connection, -1 when it gives it back. */
  transactionsOpen(delta: 1 | -1): void;
}

type AnyFunction = (...args: unknown[]) => unknown;

export interface SqlWrapping {
  /** Times every query and counts transactions, for `/metrics`. */
  observer?: DatabaseObserver | undefined;
  /**
   * Whether statements become named prepared statements, kept per connection,
   * whatever Drizzle asked for. Drizzle asks postgres.js for unnamed ones unless a
   * query is `.prepare()`d, and postgres.js sends an unnamed statement that has
   * parameters in two round trips (Parse and Describe first, to learn the parameter
   * types, then Bind and Execute); a named one is described once per connection and
   * then costs one. `false` for the embedded database, whose connections share one
   * session, where two processes' statement names would collide.
   */
  prepare?: boolean | undefined;
}

/**
 * postgres.js has no timing hook, and Drizzle runs every statement through
 * `sql.unsafe(text, params, options)` and every transaction through `sql.begin` /
 * `savepoint`. This wraps exactly those, also inside transactions: a query is timed
 * from the call (Drizzle awaits it at once) until it settles, observed with the base
 * Promise `then`, which — unlike the query's own `then` — does not start it, so
 * Drizzle's `.values()` still applies.
 */
export function wrapSql(sql: Sql, wrapping: SqlWrapping): Sql {
  const { observer, prepare } = wrapping;
  if (!observer && prepare === undefined) return sql;
  const observeQuery = (query: unknown): unknown => {
    if (!observer || !(query instanceof Promise)) return query;
    const started = performance.now();
    observer.queriesInFlight(1);
    const settle = (outcome: 'ok' | 'error') => () => {
      observer.queriesInFlight(-1);
      observer.querySettled((performance.now() - started) / 1000, outcome);
    };
    Promise.prototype.then.call(query, settle('ok'), settle('error'));
    return query;
  };
  const unsafeArgs = (args: unknown[]): unknown[] => {
    if (prepare === undefined) return args;
    const [text, parameters, options] = args;
    return [text, parameters, { ...(options as object | undefined), prepare }];
  };
  // begin([options,] callback) and savepoint([name,] callback): the callback receives
  // the transaction's own sql, which is wrapped the same way.
  const withWrappedCallback = (args: unknown[]): unknown[] => {
    const callback = args.at(-1);
    if (typeof callback !== 'function') return args;
    return [...args.slice(0, -1), (tx: Sql) => (callback as (tx: Sql) => unknown)(wrapSql(tx, wrapping))];
  };
  const transaction =
    (begin: AnyFunction) =>
    async (...args: unknown[]): Promise<unknown> => {
      observer?.transactionsOpen(1);
      try {
        return await begin(...withWrappedCallback(args));
      } finally {
        observer?.transactionsOpen(-1);
      }
    };
  return new Proxy(sql, {
    apply: (target, thisArg, args) => observeQuery(Reflect.apply(target, thisArg, args)),
    get: (target, property, receiver) => {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const bound = (value as AnyFunction).bind(target);
      if (property === 'unsafe') return (...args: unknown[]) => observeQuery(bound(...unsafeArgs(args)));
      if (property === 'begin') return transaction(bound);
      if (property === 'savepoint') return (...args: unknown[]) => bound(...withWrappedCallback(args));
      return value;
    },
  });
}
