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

/**
 * postgres.js has no timing hook, and Drizzle runs every statement through
 * `sql.unsafe(text, params)` and every transaction through `sql.begin` / `savepoint`.
 * This wraps exactly those: a query is timed from the call (Drizzle awaits it at
 * once) until it settles, observed with the base Promise `then`, which — unlike the
 * query's own `then` — does not start it, so Drizzle's `.values()` still applies.
 */
export function instrumentSql(sql: Sql, observer: DatabaseObserver): Sql {
  const observeQuery = (query: unknown): unknown => {
    if (!(query instanceof Promise)) return query;
    const started = performance.now();
    observer.queriesInFlight(1);
    const settle = (outcome: 'ok' | 'error') => () => {
      observer.queriesInFlight(-1);
      observer.querySettled((performance.now() - started) / 1000, outcome);
    };
    Promise.prototype.then.call(query, settle('ok'), settle('error'));
    return query;
  };
  // begin([options,] callback) and savepoint([name,] callback): the callback receives
  // the transaction's own sql, which is instrumented the same way.
  const withInstrumentedCallback = (args: unknown[]): unknown[] => {
    const callback = args.at(-1);
    if (typeof callback !== 'function') return args;
    return [...args.slice(0, -1), (tx: Sql) => (callback as (tx: Sql) => unknown)(instrumentSql(tx, observer))];
  };
  const transaction =
    (begin: AnyFunction) =>
    async (...args: unknown[]): Promise<unknown> => {
      observer.transactionsOpen(1);
      try {
        return await begin(...withInstrumentedCallback(args));
      } finally {
        observer.transactionsOpen(-1);
      }
    };
  return new Proxy(sql, {
    apply: (target, thisArg, args) => observeQuery(Reflect.apply(target, thisArg, args)),
    get: (target, property, receiver) => {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const bound = (value as AnyFunction).bind(target);
      if (property === 'unsafe') return (...args: unknown[]) => observeQuery(bound(...args));
      if (property === 'begin') return transaction(bound);
      if (property === 'savepoint') return (...args: unknown[]) => bound(...withInstrumentedCallback(args));
      return value;
    },
  });
}
