import { inParallel } from '../lib/api.js';
import type { Scenario } from '../lib/context.js';
import { KeepAliveClient } from '../lib/http-client.js';
import { type Row, finish } from '../lib/report.js';
import { newProject } from '../lib/seed.js';

interface TodoState {
  id: string;
  version: number;
  description: string | null;
  title: string;
}

interface Tally {
  ok: number;
  conflicts: number;
  errors: number;
  firstError?: string;
}

async function put(client: KeepAliveClient, id: string, body: unknown): Promise<{ status: number; todo?: TodoState }> {
  const { status, text } = await client.send('PUT', `/todos/${id}`, body);
  return status === 200 ? { status, todo: JSON.parse(text) as TodoState } : { status };
}

const WRITES_TARGET = 1500;

/** A failed read: unlike a write that timed out, it changed nothing. */
class ReadError extends Error {}

async function read(client: KeepAliveClient, id: string): Promise<TodoState> {
  const { status, text } = await client.send('GET', `/todos/${id}`);
  if (status !== 200) throw new ReadError(`GET /todos/${id} answered ${status}`);
  return JSON.parse(text) as TodoState;
}

const tally = (): Tally => ({ ok: 0, conflicts: 0, errors: 0 });
function recordError(counts: Tally, error: unknown): void {
  counts.errors += 1;
  counts.firstError ??= error instanceof Error ? error.message : String(error);
}

/** Each agent changes its own todo, as fast as answers come, until `deadline`. */
async function ownTodoAgent(client: KeepAliveClient, todo: TodoState, agent: number, deadline: number): Promise<Tally> {
  const counts = tally();
  let version = todo.version;
  while (performance.now() < deadline) {
    try {
      const answer = await put(client, todo.id, { title: `agent ${agent} write ${counts.ok + 1}`, expected_version: version });
      if (answer.todo) {
        counts.ok += 1;
        version = answer.todo.version;
      } else if (answer.status === 409) {
        counts.conflicts += 1;
        version = (await read(client, todo.id)).version;
      } else recordError(counts, new Error(`PUT answered ${answer.status}`));
    } catch (error) {
      recordError(counts, error);
    }
  }
  return counts;
}

const COUNTER = /^count=(\d+)$/;
const counterOf = (todo: TodoState) => Number(COUNTER.exec(todo.description ?? '')?.[1] ?? 0);

/**
 * Agents sharing a todo: read it, write `count=<what I read + 1>` with the version I
 * read, and on 409 read again and retry. If two writes based on one read could both
 * succeed, the counter would fall behind the number of 200s: that is a lost update.
 */
async function racingAgent(client: KeepAliveClient, id: string, deadline: number, byTodo: Map<string, number>, errorsByTodo: Map<string, number>): Promise<Tally> {
  const counts = tally();
  let current: TodoState | undefined;
  while (performance.now() < deadline) {
    try {
      current ??= await read(client, id);
      const answer = await put(client, id, { description: `count=${counterOf(current) + 1}`, expected_version: current.version });
      if (answer.todo) {
        counts.ok += 1;
        byTodo.set(id, (byTodo.get(id) ?? 0) + 1);
        current = answer.todo;
      } else {
        if (answer.status === 409) counts.conflicts += 1;
        else {
          recordError(counts, new Error(`PUT answered ${answer.status}`));
          errorsByTodo.set(id, (errorsByTodo.get(id) ?? 0) + 1);
        }
        current = undefined;
      }
    } catch (error) {
      // A PUT that timed out may still have landed; a failed GET changed nothing.
      if (!(error instanceof ReadError)) errorsByTodo.set(id, (errorsByTodo.get(id) ?? 0) + 1);
      current = undefined;
      recordError(counts, error);
    }
  }
  return counts;
}

interface Check {
  /** 200 answers whose change is not in the todo: lost updates. */
  lost: number;
  /** Changes in the todo beyond the 200s and the writes whose answer never came: writes from nowhere. */
  phantom: number;
}

/**
 * `confirmed` 200 answers against the `observed` change (versions, or the counter).
 * A write that failed on the client's side (a timeout) may or may not have landed,
 * so up to `unconfirmed` extra changes are not an anomaly; fewer changes than 200s
 * always are.
 */
function compare(confirmed: number, observed: number, unconfirmed: number): Check {
  return { lost: Math.max(0, confirmed - observed), phantom: Math.max(0, observed - confirmed - unconfirmed) };
}

const anomalies = (checks: Check[]) => checks.reduce((total, check) => total + check.lost + check.phantom, 0);

const sum = (tallies: Tally[]) =>
  tallies.reduce<Tally>(
    (total, t) => ({ ok: total.ok + t.ok, conflicts: total.conflicts + t.conflicts, errors: total.errors + t.errors, firstError: total.firstError ?? t.firstError }),
    tally(),
  );

/**
 * Scenario 5: optimistic-locking writes. 32 agents each on its own todo of one
 * project (throughput, and every 200 must show in the todo's version and title);
 * then 32 agents racing on 8 todos (every 200 must show in version and counter).
 * Baseline: the same agent loop against a bare server, the harness's own ceiling.
 */
export const writes: Scenario = {
  name: 'writes',
  async run(context) {
    const { settings } = context;
    const { api } = await context.app();
    const seconds = settings.sampleSeconds;
    const { projectId } = await newProject(api, 'writes');
    const create = (title: string) => () => api.call<TodoState>('POST', '/todos', { project_id: projectId, title });
    const own = await inParallel(16, Array.from({ length: settings.writes.agents }, (_, i) => create(`agent ${i}'s todo`)));

    const bare = await context.bare(JSON.stringify(own[0]));
    const bareClient = new KeepAliveClient(bare.url, api.token);
    const bareEnd = performance.now() + seconds * 1000;
    const bareCounts = sum(await Promise.all(own.map((todo, i) => ownTodoAgent(bareClient, todo, i, bareEnd))));
    bareClient.close();
    await bare.stop();

    const client = new KeepAliveClient(api.base, api.token);
    context.defer(async () => client.close());
    const started = performance.now();
    const ownCounts = await Promise.all(own.map((todo, i) => ownTodoAgent(client, todo, i, started + seconds * 1000)));
    const elapsed = (performance.now() - started) / 1000;
    const ownChecks: Check[] = [];
    for (const [i, todo] of own.entries()) {
      const final = await api.call<TodoState>('GET', `/todos/${todo.id}`);
      const counts = ownCounts[i] ?? tally();
      const check = compare(counts.ok, final.version - todo.version, counts.errors);
      // The title names the agent's last confirmed write, unless a write it gave up on landed after it.
      if (counts.errors === 0 && counts.ok > 0 && final.title !== `agent ${i} write ${counts.ok}`) check.lost += 1;
      ownChecks.push(check);
    }
    const ownTotal = sum(ownCounts);

    const shared = await inParallel(16, Array.from({ length: settings.writes.raceTodos }, (_, i) => create(`shared todo ${i}`)));
    const byTodo = new Map<string, number>();
    const errorsByTodo = new Map<string, number>();
    const raceEnd = performance.now() + seconds * 1000;
    const raceTotal = sum(
      await Promise.all(
        Array.from({ length: settings.writes.raceAgents }, (_, i) => racingAgent(client, (shared[i % shared.length] as TodoState).id, raceEnd, byTodo, errorsByTodo)),
      ),
    );
    const raceChecks: Check[] = [];
    for (const todo of shared) {
      const final = await api.call<TodoState>('GET', `/todos/${todo.id}`);
      const ok = byTodo.get(todo.id) ?? 0;
      const unconfirmed = errorsByTodo.get(todo.id) ?? 0;
      raceChecks.push(compare(ok, final.version - todo.version, unconfirmed), compare(ok, counterOf(final), unconfirmed));
    }

    const stack = context.stack.name;
    const errorNotes = (t: Tally) => (t.errors > 0 ? [`${t.errors} failed writes (first: ${t.firstError})`] : []);
    const ceiling = Math.round(bareCounts.ok / seconds);
    const ceilingNotes =
      stack === 'postgres' && ceiling < WRITES_TARGET
        ? [`the same loop against a bare server did only ${ceiling}/s: on this machine now the harness cannot show ${WRITES_TARGET}/s`]
        : [];
    const rows: Row[] = [
      finish(stack, {
        scenario: '5 writes',
        name: `${settings.writes.agents} agents, each its own todo`,
        settings: `PUT /todos/{id} with expected_version, ${seconds} s`,
        unit: 'writes/s',
        baseline: ceiling,
        baselineName: 'same loop, bare server',
        measured: Math.round(ownTotal.ok / elapsed),
        target: stack === 'postgres' ? { on: 'measured', op: '>=', value: WRITES_TARGET } : null,
        notes: [...errorNotes(ownTotal), ...ceilingNotes],
        details: { writes: ownTotal, seconds: +elapsed.toFixed(2), baseline: bareCounts },
      }),
      finish(stack, {
        scenario: '5 writes',
        name: 'lost updates, own todos',
        settings: 'final version − initial vs 200 answers; title = last write',
        unit: 'lost',
        baseline: null,
        baselineName: null,
        measured: anomalies(ownChecks),
        target: { on: 'measured', op: '<=', value: 0 },
        notes: errorNotes(ownTotal),
        details: { checks: ownChecks },
      }),
      finish(stack, {
        scenario: '5 writes',
        name: `lost updates, ${settings.writes.raceAgents} agents racing on ${settings.writes.raceTodos} todos`,
        settings: `read, PUT count+1 with expected_version, re-read on 409, ${seconds} s; version and counter vs 200 answers`,
        unit: 'lost',
        baseline: null,
        baselineName: null,
        measured: anomalies(raceChecks),
        target: { on: 'measured', op: '<=', value: 0 },
        notes: errorNotes(raceTotal),
        details: { writes: raceTotal, writesPerSecond: Math.round(raceTotal.ok / seconds), checks: raceChecks },
      }),
    ];
    return rows;
  },
};
