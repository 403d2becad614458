import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { createServer } from 'node:net';

/** A port free right now on 127.0.0.1, for a server that must be told its port up front. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function descendants(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const children = new Set<number>();
  for (const task of tasks) {
    const text = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    for (const child of text.split(/\s+/).filter(Boolean)) children.add(Number(child));
  }
  const nested = await Promise.all([...children].map(descendants));
  return [...children, ...nested.flat()];
}

/**
 * Resident memory of `pid` and every process under it (an embedded database may be
 * a child process), in MB, from /proc's VmRSS. Worker threads are in the process's
 * own figure. Pages shared between processes count once per process.
 */
export async function treeRssMb(pid: number): Promise<{ totalMb: number; processes: number }> {
  const pids = [pid, ...(await descendants(pid))];
  let kb = 0;
  for (const each of pids) {
    const status = await readFile(`/proc/${each}/status`, 'utf8').catch(() => '');
    kb += Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  }
  return { totalMb: +(kb / 1024).toFixed(1), processes: pids.length };
}

/** Polls `GET url` every 25 ms until it answers 200; milliseconds since `since`, or an error. */
export async function waitUntilHealthy(url: string, since: number, process: ChildProcess, timeoutMs: number): Promise<number> {
  const deadline = since + timeoutMs;
  while (performance.now() < deadline) {
    if (process.exitCode !== null || process.signalCode !== null) throw new Error(`server exited (${process.signalCode ?? process.exitCode}) before it answered`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return Math.round(performance.now() - since);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no answer from ${url} within ${timeoutMs / 1000} s`);
}

const groups = new Set<ChildProcess>();

/** Kills every process group spawnGroup started and that still runs (on Ctrl-C or a crash). */
export function killGroups(): void {
  for (const child of groups) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  groups.clear();
}

/** Spawns `command` in its own process group, output collected for error messages. */
export function spawnGroup(command: string, args: string[], env: Record<string, string | undefined>, cwd?: string): ChildProcess & { output: () => string } {
  const child = spawn(command, args, { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  groups.add(child);
  child.once('exit', () => groups.delete(child));
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return Object.assign(child, { output: () => output });
}

/** SIGTERM to the group `child` leads, SIGKILL after `graceMs`; resolves once it exited. */
export async function stopGroup(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
