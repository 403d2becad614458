/**
 * Live board fan-out: N raw WebSocket clients speaking the SignalR JSON hub protocol by
 * hand join one project; one todo changes over REST through instance A; how long the
 * PUT itself takes, how long until each client has the `todoUpdated` invocation, and
 * what a connection costs in memory.
 *
 *   npm run bench:realtime                                  # 10,000 clients, one instance
 *   BENCH_CLIENTS=1000 npm run bench:realtime
 *   BENCH_INSTANCES=2 DATABASE_URL=postgres://… REDIS_URL=redis://… npm run bench:realtime
 *
 * Every part is its own process (this file, by BENCH_ROLE): each instance (`server`),
 * and all clients together (`clients`); this process only orchestrates and makes the
 * REST calls. So two instances are two event loops, as in production, and each process
 * holds one fd per socket (`ulimit -n` is 20,000 here). The one-client round is the
 * baseline of the same run: read the ratio first, the absolutes second.
 *
 * Settings: BENCH_CLIENTS, BENCH_INSTANCES (1 or 2), BENCH_ROUNDS, BENCH_BATCH (clients
 * connected at once), BENCH_RECEIVE_TIMEOUT (ms a round waits for every client),
 * BENCH_TIMEOUT (ms for the whole run; past it the run fails), BENCH_OUTPUT (where the
 * result JSON goes; default a dated file in bench/results/), BENCH_CPU_PROF (a
 * directory: instance A runs with `--cpu-prof` into it).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { BENCH_ADMIN, buildBenchApp } from '../bench-app.js';

const RS = '\u001e';
const HANDSHAKE = `{"protocol":"json","version":1}${RS}`;
const PING = `{"type":6}${RS}`;
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RECEIVE_TIMEOUT_MS = Number(process.env.BENCH_RECEIVE_TIMEOUT ?? 30_000);
const RUN_TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT ?? 900_000);

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
const now = () => performance.timeOrigin + performance.now();

interface Memory {
  rss: number;
  heapUsed: number;
}

function memory(): Memory {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

// ---------------------------------------------------------------------------------
// Child processes: one request/answer channel over IPC

type Handler = (op: string, args: unknown[]) => unknown;

/** Answers the parent's requests in a child process. */
function serve(handler: Handler): void {
  // An orphan would keep its sockets and port: a child ends with its parent.
  process.on('disconnect', () => process.exit(1));
  process.on('message', (request: { id: number; op: string; args: unknown[] }) => {
    Promise.resolve()
      .then(() => handler(request.op, request.args))
      .then(
        (value) => process.send?.({ id: request.id, value: value ?? null }),
        (error: unknown) => process.send?.({ id: request.id, error: String(error) }),
      );
  });
}

interface Child {
  call<T>(op: string, ...args: unknown[]): Promise<T>;
  /** Settles when the process has ended (a profiled instance writes its profile first). */
  exited: Promise<void>;
}

const children = new Set<ChildProcess>();

function spawnChild(role: 'clients' | 'server', name: string, extraArgv: string[] = []): Child {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, BENCH_ROLE: role },
    execArgv: ['--expose-gc', ...extraArgv, '--import', 'tsx'],
  });
  children.add(child);
  let next = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  child.on('message', (message: { id: number; value?: unknown; error?: string }) => {
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(`${name}: ${message.error}`));
    else waiter?.resolve(message.value);
  });
  child.on('exit', (code, signal) => {
    children.delete(child);
    for (const waiter of pending.values()) waiter.reject(new Error(`${name} exited (${signal ?? code})`));
    pending.clear();
  });
  return {
    call: <T>(op: string, ...args: unknown[]) =>
      new Promise<T>((resolve, reject) => {
        const id = ++next;
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, op, args });
      }),
    exited,
  };
}

// ---------------------------------------------------------------------------------
// Clients (BENCH_ROLE=clients)

interface ConnectResult {
  connected: number;
  failed: number;
  seconds: number;
  firstError?: string | undefined;
}

/** One raw hub client: handshake, JoinProject, then only watches for `todoUpdated`. */
class Client {
  receivedAt = 0;
  private handshaken = false;

  constructor(
    readonly socket: WebSocket,
    readonly instance: number,
  ) {}

  /** Resolves once JoinProject has completed (rejects on any error or after 60 s). */
  start(projectId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('connect/join timed out')), 60_000);
      const fail = (error: Error) => {
        clearTimeout(timer);
        this.socket.terminate();
        reject(error);
      };
      this.socket.once('error', fail);
      this.socket.once('unexpected-response', (_request, response) => fail(new Error(`upgrade refused: ${response.statusCode}`)));
      this.socket.once('open', () => this.socket.send(HANDSHAKE));
      this.socket.on('message', (data) => {
        const text = data.toString();
        if (this.receivedAt === 0 && text.includes('"todoUpdated"')) {
          this.receivedAt = now();
          return;
        }
        for (const record of text.split(RS)) {
          if (!record) continue;
          if (!this.handshaken) {
            this.handshaken = true;
            if (record !== '{}') return fail(new Error(`handshake: ${record}`));
            this.socket.send(`{"type":1,"invocationId":"1","target":"JoinProject","arguments":[${JSON.stringify(projectId)}]}${RS}`);
            continue;
          }
          const message = JSON.parse(record) as { type: number; invocationId?: string; error?: string };
          if (message.type === 3 && message.invocationId === '1') {
            clearTimeout(timer);
            if (message.error) return fail(new Error(`JoinProject: ${message.error}`));
            this.socket.removeListener('error', fail);
            this.socket.on('error', () => undefined);
            resolve();
          } else if (message.type === 7) {
            fail(new Error(`closed by server: ${record}`));
          }
        }
      });
    });
  }
}

/**
 * The clients of the clients process, ramped in batches, pinging every 10 s (the server
 * drops clients silent for 30 s) from the moment they are open, as the stock client
 * does: on a loaded server a JoinProject can wait longer than the timeout.
 */
class ClientPool {
  private readonly clients: Client[] = [];
  private readonly sockets = new Set<WebSocket>();
  private readonly pinger = setInterval(() => {
    for (const socket of this.sockets) if (socket.readyState === WebSocket.OPEN) socket.send(PING);
  }, 10_000);

  async connect(targets: { url: string; count: number }[], token: string, projectId: string): Promise<ConnectResult> {
    const started = now();
    let failed = 0;
    let firstError: string | undefined;
    const plan = targets.flatMap(({ url, count }, instance) => Array.from({ length: count }, () => ({ url, instance })));
    for (let offset = 0; offset < plan.length; offset += BATCH) {
      const batch = plan.slice(offset, offset + BATCH).map(({ url, instance }) => {
        const socket = new WebSocket(`${url}/signalr/hub?access_token=${encodeURIComponent(token)}`, { perMessageDeflate: false });
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
        const client = new Client(socket, instance);
        return client.start(projectId).then(
          () => this.clients.push(client),
          (error: unknown) => {
            failed += 1;
            firstError ??= String(error);
          },
        );
      });
      await Promise.all(batch);
      if (process.env.BENCH_PROGRESS) console.log(`    ${this.clients.length} connected, ${failed} failed, ${((now() - started) / 1000).toFixed(1)} s`);
    }
    return { connected: this.clients.length, failed, seconds: +((now() - started) / 1000).toFixed(2), firstError };
  }

  arm(): void {
    for (const client of this.clients) client.receivedAt = 0;
  }

  /** [instance, receive time in absolute ms] per client once all have the event or the timeout passed; 0 = never. */
  async collect(): Promise<[number, number][]> {
    const deadline = Date.now() + RECEIVE_TIMEOUT_MS;
    while (Date.now() < deadline && this.clients.some((client) => client.receivedAt === 0)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.clients.map((client) => [client.instance, client.receivedAt]);
  }

  close(): void {
    for (const socket of this.sockets) socket.terminate();
    this.sockets.clear();
    this.clients.length = 0;
  }

  stop(): void {
    this.close();
    clearInterval(this.pinger);
  }
}

function runClients(): void {
  const pool = new ClientPool();
  serve((op, args) => {
    if (op === 'connect') return pool.connect(...(args as Parameters<ClientPool['connect']>));
    if (op === 'arm') return pool.arm();
    if (op === 'collect') return pool.collect();
    if (op === 'memory') return memory();
    if (op === 'close') return pool.close();
    if (op === 'exit') {
      pool.stop();
      setImmediate(() => process.exit(0));
      return;
    }
    throw new Error(`unknown op ${op}`);
  });
}

// ---------------------------------------------------------------------------------
// An instance (BENCH_ROLE=server)

async function runServer(): Promise<void> {
  const app = await buildBenchApp();
  const base = await app.fastify.listen({ port: 0, host: '127.0.0.1' });
  serve(async (op) => {
    if (op === 'base') return base;
    if (op === 'memory') return memory();
    if (op === 'exit') {
      await app.close();
      // After the answer is sent, so the parent hears it; --cpu-prof writes its profile on this exit.
      setImmediate(() => process.exit(0));
      return;
    }
    throw new Error(`unknown op ${op}`);
  });
}

// ---------------------------------------------------------------------------------
// The run

async function rest<T>(base: string, method: string, path: string, token: string | undefined, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const round2 = (value: number) => +value.toFixed(2);

interface Spread {
  received: number;
  of: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

interface Round extends Spread {
  putMs: number;
  /** The same per instance (A first): the Redis path shows as B's figures. */
  perInstance?: Spread[];
}

function spread(times: number[], t0: number): Spread {
  const latencies = times.filter((t) => t > 0).map((t) => t - t0).sort((x, y) => x - y);
  return {
    received: latencies.length,
    of: times.length,
    p50Ms: round2(percentile(latencies, 50)),
    p95Ms: round2(percentile(latencies, 95)),
    p99Ms: round2(percentile(latencies, 99)),
    maxMs: round2(latencies.at(-1) ?? NaN),
  };
}

/** What the run is doing now, for the timeout's message. */
const state = { phase: 'starting' };

async function main(): Promise<void> {
  const instanceCount = Number(process.env.BENCH_INSTANCES ?? 1);
  if (instanceCount !== 1 && instanceCount !== 2) throw new Error('BENCH_INSTANCES must be 1 or 2');
  if (instanceCount === 2 && !(process.env.REDIS_URL && process.env.DATABASE_URL)) {
    throw new Error('BENCH_INSTANCES=2 needs REDIS_URL and DATABASE_URL (one Redis and one PostgreSQL for both instances)');
  }
  // A key prefix of this run's own, so the backplane channel and presence keys meet nobody else's.
  if (process.env.REDIS_URL && !process.env.REDIS_KEY_PREFIX) process.env.REDIS_KEY_PREFIX = `intracker-bench-${process.pid}:`;
  const n = Number(process.env.BENCH_CLIENTS ?? 10_000);
  const profileDir = process.env.BENCH_CPU_PROF;

  // One at a time: the first one migrates a fresh database.
  state.phase = 'starting the instances';
  const instances: Child[] = [];
  for (let i = 0; i < instanceCount; i += 1) {
    const name = `instance ${'AB'[i]}`;
    instances.push(spawnChild('server', name, i === 0 && profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []));
    await (instances[i] as Child).call('base');
  }
  const bases = await Promise.all(instances.map((instance) => instance.call<string>('base')));
  const a = bases[0] as string;
  const wsUrls = bases.map((base) => base.replace(/^http/, 'ws'));
  const clients = spawnChild('clients', 'clients');

  state.phase = 'setting up the project';
  const login = await rest<{ tokens: { access_token: string } }>(a, 'POST', '/auth/login', undefined, BENCH_ADMIN);
  const token = login.tokens.access_token;
  const team = await rest<{ id: string }>(a, 'POST', '/teams', token, { name: `bench-${Date.now()}` });
  const project = await rest<{ id: string }>(a, 'POST', '/projects', token, { team_id: team.id, name: 'fan-out' });
  const todo = await rest<{ id: string }>(a, 'POST', '/todos', token, { project_id: project.id, title: 'watched by everyone' });
  let change = 0;

  const split = (count: number) =>
    wsUrls.map((url, i) => ({ url, count: Math.floor(count / wsUrls.length) + (i < count % wsUrls.length ? 1 : 0) }));

  /** ROUNDS changes through instance A; per client, time from just before the PUT to the event. */
  async function measure(label: string): Promise<Round[]> {
    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r += 1) {
      state.phase = `${label}, round ${r + 1}`;
      await clients.call('arm');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const t0 = now();
      await rest(a, 'PUT', `/todos/${todo.id}`, token, { title: `change ${++change}` });
      const putMs = now() - t0;
      const received = await clients.call<[number, number][]>('collect');
      const round: Round = { ...spread(received.map(([, t]) => t), t0), putMs: round2(putMs) };
      if (instanceCount > 1) round.perInstance = bases.map((_, i) => spread(received.filter(([instance]) => instance === i).map(([, t]) => t), t0));
      rounds.push(round);
      console.log(`  round ${r + 1}: ${JSON.stringify(round)}`);
    }
    return rounds;
  }

  const serverMemory = () => Promise.all(instances.map((instance) => instance.call<Memory>('memory')));

  // One client per instance: on two instances the baseline includes the Redis hop too.
  console.log(`baseline: 1 client per instance (${instanceCount} instance process(es))`);
  state.phase = 'baseline: connecting';
  const singleConnect = await clients.call<ConnectResult>('connect', split(instanceCount), token, project.id);
  const baseline = await measure('baseline');
  await clients.call('close');

  console.log(`${n} clients (in their own process, ${instanceCount} instance process(es))`);
  const serverIdle = await serverMemory();
  const clientIdle = await clients.call<Memory>('memory');
  state.phase = `connecting ${n} clients`;
  const connect = await clients.call<ConnectResult>('connect', split(n), token, project.id);
  console.log(`  connected ${connect.connected}, failed ${connect.failed} in ${connect.seconds} s${connect.firstError ? ` (first error: ${connect.firstError})` : ''}`);
  const serverLoaded = await serverMemory();
  const clientLoaded = await clients.call<Memory>('memory');
  const loaded = await measure(`${n} clients`);
  state.phase = 'closing';
  await clients.call('exit');
  await Promise.all(instances.map((instance) => instance.call('exit')));
  await Promise.all([clients, ...instances].map((child) => child.exited));

  const per = (after: Memory, before: Memory) => ({
    rssBytes: Math.round((after.rss - before.rss) / Math.max(connect.connected, 1)),
    heapUsedBytes: Math.round((after.heapUsed - before.heapUsed) / Math.max(connect.connected, 1)),
  });
  const sum = (list: Memory[]): Memory => ({ rss: list.reduce((s, m) => s + m.rss, 0), heapUsed: list.reduce((s, m) => s + m.heapUsed, 0) });
  const medianOf = (rounds: Round[], key: 'p50Ms' | 'p99Ms' | 'putMs') => [...rounds.map((r) => r[key])].sort((x, y) => x - y)[Math.floor(rounds.length / 2)] ?? NaN;
  const mode = `${instanceCount === 2 ? 'redis2' : 'single'}-${n}`;
  const results = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    fdLimitNote: 'ulimit -n (soft and hard) is 20000 on the measuring machine; each process holds one fd per socket it owns',
    database: process.env.DATABASE_URL ? 'postgres' : 'pglite (memory)',
    instances: instanceCount,
    processes: 'each instance and all clients in their own child process; REST calls from the orchestrating process',
    clientsIn: 'child',
    clients: n,
    batch: BATCH,
    baseline: { connect: singleConnect, rounds: baseline },
    fanout: { connect, rounds: loaded },
    memory: {
      serverIdle,
      serverLoaded,
      serverPerConnection: per(sum(serverLoaded), sum(serverIdle)),
      clientProcessIdle: clientIdle,
      clientProcessLoaded: clientLoaded,
      clientPerConnection: per(clientLoaded, clientIdle),
      note: 'server figures are the instance processes alone (summed over instances), per client connected',
    },
    ratios: {
      putVsOneClient: round2(medianOf(loaded, 'putMs') / medianOf(baseline, 'putMs')),
      p50VsOneClient: round2(medianOf(loaded, 'p50Ms') / medianOf(baseline, 'p50Ms')),
      p99VsOneClient: round2(medianOf(loaded, 'p99Ms') / medianOf(baseline, 'p99Ms')),
    },
  };
  const stamp = results.measuredAt.replace(/:\d\d\.\d+Z$/, 'Z').replace(/:/g, '');
  const output = process.env.BENCH_OUTPUT ?? fileURLToPath(new URL(`../results/realtime-fanout.${mode}.${stamp}.json`, import.meta.url));
  await mkdir(dirname(output), { recursive: true });
  await writeFile(output, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify({ mode, output, memory: { serverPerConnection: results.memory.serverPerConnection }, ratios: results.ratios }, null, 2));
}

function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

if (process.env.BENCH_ROLE === 'clients') {
  runClients();
} else if (process.env.BENCH_ROLE === 'server') {
  void runServer();
} else {
  process.on('exit', killChildren);
  const timeout = setTimeout(() => {
    console.error(`realtime bench FAILED: timed out after ${RUN_TIMEOUT_MS / 1000} s while ${state.phase} (BENCH_TIMEOUT raises the limit)`);
    process.exit(2);
  }, RUN_TIMEOUT_MS);
  timeout.unref();
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`realtime bench FAILED while ${state.phase}:`, error);
      process.exit(1);
    },
  );
}
