/**
 * Live board fan-out: N raw WebSocket clients speaking the SignalR JSON hub protocol by
 * hand join one project; one todo changes over REST; how long until each client has
 * the `todoUpdated` invocation, and what a connection costs in memory.
 *
 *   npm run bench:realtime                      # 10,000 clients (BENCH_CLIENTS)
 *   BENCH_CLIENTS=1000 npm run bench:realtime
 *   BENCH_CLIENTS_IN=same npm run bench:realtime   # clients inside the server process
 *   BENCH_OUTPUT=/tmp/fanout.json …             # write the result there (npm run bench does)
 *
 * By default the clients run in a child process (this file, BENCH_ROLE=clients), so
 * the server's RSS/heap figures are the server's alone and each process needs one fd
 * per connection instead of two (`ulimit -n` is 20,000 here). The N=1 round is the
 * baseline of the same run: read the ratio first, the absolutes second.
 */
import { fork } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { BENCH_ADMIN, buildBenchApp } from '../bench-app.js';

const RS = '\u001e';
const HANDSHAKE = `{"protocol":"json","version":1}${RS}`;
const PING = `{"type":6}${RS}`;
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RECEIVE_TIMEOUT_MS = Number(process.env.BENCH_RECEIVE_TIMEOUT ?? 30_000);
const ADMIN = BENCH_ADMIN;

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
// Clients

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

  constructor(readonly socket: WebSocket) {}

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

/** The clients of one process, ramped in batches, pinging every 10 s (the server drops clients silent for 30 s). */
class ClientPool {
  private readonly clients: Client[] = [];
  private readonly pinger = setInterval(() => {
    for (const client of this.clients) if (client.socket.readyState === WebSocket.OPEN) client.socket.send(PING);
  }, 10_000);

  async connect(targets: { url: string; count: number }[], token: string, projectId: string): Promise<ConnectResult> {
    const started = now();
    let failed = 0;
    let firstError: string | undefined;
    const plan = targets.flatMap(({ url, count }) => Array.from({ length: count }, () => url));
    for (let offset = 0; offset < plan.length; offset += BATCH) {
      const batch = plan.slice(offset, offset + BATCH).map((url) => {
        const client = new Client(new WebSocket(`${url}/signalr/hub?access_token=${encodeURIComponent(token)}`, { perMessageDeflate: false }));
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

  /** Receive times (absolute ms) once every client has the event or the timeout passed; 0 = never. */
  async collect(): Promise<number[]> {
    const deadline = Date.now() + RECEIVE_TIMEOUT_MS;
    while (Date.now() < deadline && this.clients.some((client) => client.receivedAt === 0)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.clients.map((client) => client.receivedAt);
  }

  memory(): Memory {
    return memory();
  }

  async close(): Promise<void> {
    clearInterval(this.pinger);
    for (const client of this.clients) client.socket.terminate();
    this.clients.length = 0;
  }
}

/** The same interface over IPC to a child process running a ClientPool. */
interface PoolLike {
  connect: ClientPool['connect'];
  arm(): void | Promise<void>;
  collect(): Promise<number[]>;
  memory(): Memory | Promise<Memory>;
  close(): Promise<void>;
}
type Op = { op: 'connect'; args: Parameters<ClientPool['connect']> } | { op: 'arm' | 'collect' | 'memory' | 'close' };
type Request = Op & { id: number };

async function childPool(): Promise<PoolLike> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, BENCH_ROLE: 'clients' },
    execArgv: ['--expose-gc', '--import', 'tsx'],
  });
  let next = 0;
  const pending = new Map<number, (value: unknown) => void>();
  child.on('message', (message: { id: number; value: unknown }) => {
    pending.get(message.id)?.(message.value);
    pending.delete(message.id);
  });
  const call = <T>(request: Op): Promise<T> =>
    new Promise<T>((resolve) => {
      const id = ++next;
      pending.set(id, resolve as (value: unknown) => void);
      child.send({ ...request, id });
    });
  await call({ op: 'memory' });
  return {
    connect: (...args) => call({ op: 'connect', args }),
    arm: () => call({ op: 'arm' }),
    collect: () => call({ op: 'collect' }),
    memory: () => call({ op: 'memory' }),
    close: async () => {
      await call({ op: 'close' });
      child.kill();
    },
  };
}

async function runChild(): Promise<void> {
  const pool = new ClientPool();
  process.on('message', async (request: Request) => {
    let value: unknown;
    if (request.op === 'connect') value = await pool.connect(...request.args);
    else if (request.op === 'arm') value = pool.arm();
    else if (request.op === 'collect') value = await pool.collect();
    else if (request.op === 'memory') value = pool.memory();
    else value = await pool.close();
    process.send?.({ id: request.id, value: value ?? null });
  });
}

// ---------------------------------------------------------------------------------
// Server side

interface Instance {
  base: string;
  close: () => Promise<void>;
}

async function startInstance(): Promise<Instance> {
  const app = await buildBenchApp();
  const base = await app.fastify.listen({ port: 0, host: '127.0.0.1' });
  return { base, close: () => app.close() };
}

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

interface Round {
  received: number;
  of: number;
  putMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

const round2 = (value: number) => +value.toFixed(2);

async function main(): Promise<void> {
  const clientsIn = process.env.BENCH_CLIENTS_IN === 'same' ? 'same' : 'child';
  const instanceCount = Number(process.env.BENCH_INSTANCES ?? 1);
  if (instanceCount === 2 && !(process.env.REDIS_URL && process.env.DATABASE_URL)) {
    throw new Error('BENCH_INSTANCES=2 needs REDIS_URL and DATABASE_URL (one Redis and one PostgreSQL for both instances)');
  }
  const n = Number(process.env.BENCH_CLIENTS ?? 10_000);

  const serverBefore = memory();
  const instances: Instance[] = [];
  for (let i = 0; i < instanceCount; i += 1) instances.push(await startInstance());
  const [a] = instances as [Instance];
  const wsUrls = instances.map((instance) => instance.base.replace(/^http/, 'ws'));

  const login = await rest<{ tokens: { access_token: string } }>(a.base, 'POST', '/auth/login', undefined, ADMIN);
  const token = login.tokens.access_token;
  const team = await rest<{ id: string }>(a.base, 'POST', '/teams', token, { name: `bench-${Date.now()}` });
  const project = await rest<{ id: string }>(a.base, 'POST', '/projects', token, { team_id: team.id, name: 'fan-out' });
  const todo = await rest<{ id: string }>(a.base, 'POST', '/todos', token, { project_id: project.id, title: 'watched by everyone' });
  let change = 0;

  const newPool = async (): Promise<PoolLike> => (clientsIn === 'child' ? childPool() : new ClientPool());
  const split = (count: number) =>
    wsUrls.map((url, i) => ({ url, count: Math.floor(count / wsUrls.length) + (i < count % wsUrls.length ? 1 : 0) }));

  /** ROUNDS changes through instance A; per client, time from just before the PUT to the event. */
  async function measure(pool: PoolLike): Promise<Round[]> {
    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r += 1) {
      await pool.arm();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const t0 = now();
      await rest(a.base, 'PUT', `/todos/${todo.id}`, token, { title: `change ${++change}` });
      const putMs = now() - t0;
      const times = await pool.collect();
      const latencies = times.filter((t) => t > 0).map((t) => t - t0).sort((x, y) => x - y);
      rounds.push({
        received: latencies.length,
        of: times.length,
        putMs: round2(putMs),
        p50Ms: round2(percentile(latencies, 50)),
        p95Ms: round2(percentile(latencies, 95)),
        p99Ms: round2(percentile(latencies, 99)),
        maxMs: round2(latencies.at(-1) ?? NaN),
      });
      console.log(`  round ${r + 1}: ${JSON.stringify(rounds.at(-1))}`);
    }
    return rounds;
  }

  // Baseline: one client.
  console.log('baseline: 1 client');
  const single = await newPool();
  const singleConnect = await single.connect(split(1), token, project.id);
  const baseline = await measure(single);
  await single.close();

  // N clients.
  console.log(`${n} clients (${clientsIn === 'child' ? 'in a child process' : 'in the server process'}, ${instanceCount} instance(s))`);
  const pool = await newPool();
  const serverIdle = memory();
  const clientIdle = clientsIn === 'child' ? await pool.memory() : undefined;
  const connect = await pool.connect(split(n), token, project.id);
  console.log(`  connected ${connect.connected}, failed ${connect.failed} in ${connect.seconds} s${connect.firstError ? ` (first error: ${connect.firstError})` : ''}`);
  const serverLoaded = memory();
  const clientLoaded = clientsIn === 'child' ? await pool.memory() : undefined;
  const loaded = await measure(pool);
  await pool.close();
  for (const instance of instances) await instance.close();

  const perConnection = (after: Memory, before: Memory) => ({
    rssBytes: Math.round((after.rss - before.rss) / Math.max(connect.connected, 1)),
    heapUsedBytes: Math.round((after.heapUsed - before.heapUsed) / Math.max(connect.connected, 1)),
  });
  const medianOf = (rounds: Round[], key: 'p50Ms' | 'p99Ms') => [...rounds.map((r) => r[key])].sort((x, y) => x - y)[Math.floor(rounds.length / 2)] ?? NaN;
  const mode = `${instanceCount === 2 ? 'redis2' : 'single'}-${n}${clientsIn === 'same' ? '-same' : ''}`;
  const results = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    fdLimitNote: 'ulimit -n (soft and hard) is 20000 on the measuring machine; each process holds one fd per socket it owns',
    database: process.env.DATABASE_URL ? 'postgres' : 'pglite (memory)',
    instances: instanceCount,
    clientsIn,
    clients: n,
    batch: BATCH,
    baseline: { connect: singleConnect, rounds: baseline },
    fanout: { connect, rounds: loaded },
    memory: {
      serverBeforeApp: serverBefore,
      serverIdle,
      serverLoaded,
      serverPerConnection: perConnection(serverLoaded, serverIdle),
      ...(clientIdle && clientLoaded ? { clientProcessIdle: clientIdle, clientProcessLoaded: clientLoaded, clientPerConnection: perConnection(clientLoaded, clientIdle) } : {}),
      note:
        clientsIn === 'same'
          ? 'clients live in the server process: per-connection figures include both ends of each socket'
          : instanceCount === 2
            ? 'both instances live in this process: per-connection figures are per client, across both instances'
            : 'server figures are the server process alone; the clients run in a child process',
    },
    ratios: {
      p50VsOneClient: round2(medianOf(loaded, 'p50Ms') / medianOf(baseline, 'p50Ms')),
      p99VsOneClient: round2(medianOf(loaded, 'p99Ms') / medianOf(baseline, 'p99Ms')),
    },
  };
  // BENCH_OUTPUT: where `npm run bench` wants the result (it reads it back), instead of the tracked file.
  const output = process.env.BENCH_OUTPUT ?? new URL(`../results/realtime-fanout.${mode}.json`, import.meta.url);
  await writeFile(output, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify({ mode, memory: results.memory, ratios: results.ratios }, null, 2));
}

if (process.env.BENCH_ROLE === 'clients') {
  void runChild();
} else {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
