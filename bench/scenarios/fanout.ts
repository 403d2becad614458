import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Scenario } from '../lib/context.js';
import { childEnv } from '../lib/ipc.js';
import { spawnGroup, stopGroup } from '../lib/processes.js';
import { type Row, finish } from '../lib/report.js';

interface Round {
  received: number;
  of: number;
  p99Ms: number;
}
interface FanoutResult {
  baseline: { rounds: Round[] };
  fanout: { connect: { connected: number; failed: number }; rounds: Round[] };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** Runs bench/realtime/fanout.ts as it runs on its own, with the result written where we read it. */
async function runFanout(context: Context, instances: number): Promise<FanoutResult> {
  const output = join(tmpdir(), `intracker-bench-fanout-${process.pid}-${instances}-${Date.now()}.json`);
  const env = await context.stack.environment(`fanout${instances}`);
  const script = fileURLToPath(new URL('../realtime/fanout.ts', import.meta.url));
  const child = spawnGroup(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', script],
    childEnv({
      ...env,
      BENCH_CLIENTS: String(context.settings.fanout.clients),
      BENCH_ROUNDS: String(context.settings.fanout.rounds),
      BENCH_INSTANCES: String(instances),
      BENCH_OUTPUT: output,
      // The realtime helper's version of the script bounds itself with this; ours also kills it at the scenario's bound.
      BENCH_TIMEOUT: String(context.settings.slowScenarioSeconds * 1000),
    }),
  );
  context.defer(() => stopGroup(child));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  if (code !== 0) throw new Error(`fanout.ts exited ${code}: ${child.output().trim().split('\n').slice(-12).join(' / ')}`);
  const result = JSON.parse(await readFile(output, 'utf8')) as FanoutResult;
  await rm(output, { force: true });
  if (!Array.isArray(result.fanout?.rounds) || !Array.isArray(result.baseline?.rounds)) {
    throw new Error('fanout.ts result has no fanout.rounds / baseline.rounds: its format changed');
  }
  return result;
}

/**
 * Scenario 7: the live board. Delegated to bench/realtime/fanout.ts (a child
 * process; it runs its own clients in a child of its own). Measured: the worst
 * round's p99 from the PUT to the event; baseline: the one-client round.
 */
export const fanout: Scenario = {
  name: 'fanout',
  slow: true,
  async run(context) {
    const runs = context.stack.name === 'postgres' ? [1, 2] : [1];
    const rows: Row[] = [];
    for (const instances of runs) {
      context.log(`${context.settings.fanout.clients} clients, ${instances} instance(s)`);
      const result = await runFanout(context, instances);
      const rounds = result.fanout.rounds;
      const missing = rounds.reduce((total, round) => total + (round.of - round.received), 0);
      const notes = [
        ...(result.fanout.connect.failed > 0 ? [`${result.fanout.connect.failed} clients failed to connect`] : []),
        ...(missing > 0 ? [`${missing} deliveries missing`] : []),
      ];
      rows.push(
        finish(context.stack.name, {
          scenario: '7 live board',
          name: `PUT → event p99, ${instances === 1 ? 'one instance' : 'two instances over Redis'}`,
          settings: `${context.settings.fanout.clients} clients, worst of ${rounds.length} rounds`,
          unit: 'ms',
          baseline: median(result.baseline.rounds.map((round) => round.p99Ms)),
          baselineName: 'one client',
          measured: Math.max(...rounds.map((round) => round.p99Ms)),
          target: { on: 'measured', op: '<=', value: instances === 1 ? 250 : 300 },
          notes,
          details: { medianRoundP99Ms: median(rounds.map((round) => round.p99Ms)), fanout: result },
        }),
      );
    }
    return rows;
  },
};
