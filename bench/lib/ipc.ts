/**
 * The bench's child processes (the app server, the bare and slow-upstream fixtures)
 * run apart from the load generator, so on two cores the numbers are a server's own
 * and not the server's minus autocannon's. They answer the runner over Node's IPC
 * channel: `{ id, op, args }` in, `{ id, ok, value | error }` out.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

type Handler = (args: unknown) => unknown;

/** Child side: answer the runner's calls; exit when the runner goes away. */
export function serveCalls(handlers: Record<string, Handler>): void {
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (message: { id: number; op: string; args: unknown }) => {
    const handler = handlers[message.op];
    try {
      if (!handler) throw new Error(`unknown op ${message.op}`);
      const value = await handler(message.args);
      process.send?.({ id: message.id, ok: true, value: value ?? null });
    } catch (error) {
      process.send?.({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  });
}

/** Child side: tell the runner where we listen. */
export function announce(url: string): void {
  process.send?.({ ready: true, url });
}

export interface Child {
  url: string;
  pid: number;
  call<T>(op: string, args?: unknown): Promise<T>;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Kills every child this runner forked (on exit, a timeout or Ctrl-C). */
export function killChildren(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/**
 * `BENCH_CPU_PROF=<dir>` makes every forked server write a `--cpu-prof` profile
 * there when it exits (Node refuses `--cpu-prof` in NODE_OPTIONS).
 */
function profilingFlags(): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/**
 * Forks `bench/lib/<script>` under tsx with `env`, waits (at most `startTimeoutMs`)
 * until it announces its URL.
 */
export async function forkChild(script: string, env: Record<string, string | undefined>, startTimeoutMs = 120_000): Promise<Child> {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
    env,
    execArgv: ['--import', 'tsx', ...profilingFlags()],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => live.delete(child));
  let next = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  child.on('exit', (code, signal) => {
    for (const { reject } of pending.values()) reject(new Error(`${script} exited (${signal ?? code})`));
    pending.clear();
  });

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not start within ${startTimeoutMs / 1000} s`));
    }, startTimeoutMs);
    child.on('message', (message: { ready?: boolean; url?: string; id?: number; ok?: boolean; value?: unknown; error?: string }) => {
      if (message.ready && message.url) {
        clearTimeout(timer);
        resolve(message.url);
        return;
      }
      const waiter = message.id === undefined ? undefined : pending.get(message.id);
      if (!waiter || message.id === undefined) return;
      pending.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(new Error(message.error ?? 'child call failed'));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited before it was ready (${signal ?? code})`));
    });
  });

  return {
    url,
    pid: child.pid ?? 0,
    call: <T>(op: string, args?: unknown) =>
      new Promise<T>((resolve, reject) => {
        const id = ++next;
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, op, args });
      }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The environment a child gets: ours without any database or Redis, plus `extra`. */
export function childEnv(extra: Record<string, string>): Record<string, string | undefined> {
  const { DATABASE_URL: _d, REDIS_URL: _r, REDIS_KEY_PREFIX: _p, DATA_DIR: _dd, ...rest } = process.env;
  return { ...rest, ...extra };
}
