/**
 * `npm run bench`: every scenario of issue 9 against 127.0.0.1, each beside its own
 * baseline measured in the same run, on the embedded default and (when configured)
 * on PostgreSQL + Redis. Writes bench/results/<timestamp>.json and .md (plus the
 * git-ignored latest.json / latest.md) and prints the table.
 *
 *   npm run bench                       quick: 3 s samples, 1,000 fan-out clients (< 5 min embedded)
 *   npm run bench -- --full             the issue's sizes: 10 s samples, 10,000 clients
 *   npm run bench -- --postgres         also PostgreSQL + Redis (DATABASE_URL / REDIS_URL, or the local defaults)
 *   npm run bench -- --only writes,fanout --stack postgres
 *
 * See docs/performance.md for what each scenario measures.
 */
import { parseArgs } from 'node:util';
import { StackSession, type Scenario } from './lib/context.js';
import { killChildren } from './lib/ipc.js';
import { killGroups } from './lib/processes.js';
import { type Row, failedRow, machine, markdown, writeReport } from './lib/report.js';
import { PRESETS, type Settings, describeSettings } from './lib/settings.js';
import { type Stack, embeddedStack, postgresStack } from './lib/stack.js';
import { baseline } from './scenarios/baseline.js';
import { cachedProject } from './scenarios/cached-project.js';
import { elementTree } from './scenarios/element-tree.js';
import { fanout } from './scenarios/fanout.js';
import { slowUpstream } from './scenarios/slow-upstream.js';
import { start } from './scenarios/start.js';
import { writes } from './scenarios/writes.js';

const SCENARIOS: Scenario[] = [baseline, cachedProject, elementTree, writes, slowUpstream, fanout, start];
const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';
const LOCAL_REDIS = 'redis://127.0.0.1:6379';

const USAGE = `Usage: npm run bench -- [options]
  --full                 the issue's sizes (10 s samples, 10,000 fan-out clients); default: quick
  --tiny                 a few requests per scenario, to prove they all run (the test uses it); numbers mean nothing
  --stack S              embedded | postgres | all (default: embedded, plus postgres when DATABASE_URL and REDIS_URL are set)
  --postgres             include PostgreSQL + Redis, from DATABASE_URL / REDIS_URL or ${LOCAL_POSTGRES} / ${LOCAL_REDIS}
  --only a,b  --skip a,b scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}
  --seconds N            seconds per autocannon sample
  --clients N            live-board clients
  --server dist|src      how scenario 8 runs the CLI: built (default) or through tsx
  --out DIR              where results go (default bench/results)`;

interface Plan {
  settings: Settings;
  stacks: (() => Promise<Stack>)[];
  scenarios: Scenario[];
  out: string;
}

function plan(argv: string[]): Plan {
  const { values } = parseArgs({
    args: argv,
    options: {
      full: { type: 'boolean' },
      tiny: { type: 'boolean' },
      stack: { type: 'string' },
      postgres: { type: 'boolean' },
      only: { type: 'string' },
      skip: { type: 'string' },
      seconds: { type: 'string' },
      clients: { type: 'string' },
      server: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const settings: Settings = structuredClone(PRESETS[values.tiny ? 'tiny' : values.full ? 'full' : 'quick']);
  if (values.seconds) settings.sampleSeconds = positive('--seconds', values.seconds);
  if (values.clients) settings.fanout.clients = positive('--clients', values.clients);
  if (values.server) {
    if (values.server !== 'dist' && values.server !== 'src') throw new Error('--server is dist or src');
    settings.serverCommand = values.server;
  }

  const names = (list: string | undefined) => (list ? list.split(',').map((name) => name.trim()) : undefined);
  const only = names(values.only);
  const skip = names(values.skip) ?? [];
  for (const name of [...(only ?? []), ...skip]) {
    if (!SCENARIOS.some((scenario) => scenario.name === name)) throw new Error(`unknown scenario ${name}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  const scenarios = SCENARIOS.filter((scenario) => (only ? only.includes(scenario.name) : true) && !skip.includes(scenario.name));

  const { DATABASE_URL, REDIS_URL } = process.env;
  const fromEnvironment = Boolean(DATABASE_URL && REDIS_URL);
  if (Boolean(DATABASE_URL) !== Boolean(REDIS_URL) && !values.postgres && values.stack !== 'embedded') {
    throw new Error('the PostgreSQL stack needs both DATABASE_URL and REDIS_URL (or --postgres for the local defaults)');
  }
  const which = values.stack ?? (fromEnvironment || values.postgres ? 'all' : 'embedded');
  if (!['embedded', 'postgres', 'all'].includes(which)) throw new Error('--stack is embedded, postgres or all');
  const stacks: (() => Promise<Stack>)[] = [];
  if (which !== 'postgres') stacks.push(embeddedStack);
  if (which !== 'embedded') stacks.push(() => postgresStack(DATABASE_URL ?? LOCAL_POSTGRES, REDIS_URL ?? LOCAL_REDIS));
  return { settings, stacks, scenarios, out: values.out ?? new URL('results', import.meta.url).pathname };
}

function positive(flag: string, text: string): number {
  const value = Number(text);
  if (!(value > 0)) throw new Error(`${flag} needs a positive number, got ${text}`);
  return value;
}

/** Rejects after `seconds`; the scenario's own clean-ups then stop whatever it started. */
function bounded<T>(work: Promise<T>, seconds: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  // Past the bound the scenario's own failure (its servers are being stopped) is expected and no longer anyone's to handle.
  work.catch(() => undefined);
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not finish within ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function runStack(stack: Stack, settings: Settings, scenarios: Scenario[]): Promise<{ rows: Row[]; incomplete: number }> {
  const session = new StackSession(stack, settings);
  const rows: Row[] = [];
  let incomplete = 0;
  try {
    for (const scenario of scenarios) {
      // The fan-out and start-up scenarios start servers of their own: the shared app would only take memory and CPU from them.
      if (scenario.slow) await session.stopApp();
      const started = performance.now();
      console.log(`[${stack.name}] ${scenario.name}…`);
      let failed = false;
      try {
        const limit = scenario.slow ? settings.slowScenarioSeconds : settings.scenarioSeconds;
        const produced = await bounded(scenario.run(session.context(scenario.name)), limit, scenario.name);
        rows.push(...produced);
        for (const row of produced) console.log(`  ${row.name}: ${row.measured} ${row.unit}${row.ratio === null ? '' : ` (${row.ratio}×)`}${row.met === null ? '' : row.met ? ' met' : ' NOT met'}${row.notes.length ? ` — ${row.notes.join('; ')}` : ''}`);
      } catch (error) {
        failed = true;
        incomplete += 1;
        rows.push(failedRow(stack.name, scenario.name, error));
        console.error(`  ${scenario.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      await session.endScenario({ failed });
      console.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
  } finally {
    await session.stopApp();
  }
  return { rows, incomplete };
}

async function main(): Promise<number> {
  const { settings, stacks, scenarios, out } = plan(process.argv.slice(2));
  const startedAt = new Date();
  const about = await machine();
  console.log(`InTracker bench (${describeSettings(settings)}) on ${about.cores} cores, Node ${about.node}, load ${about.loadAverageAtStart.join(' ')}`);
  const rows: Row[] = [];
  let incomplete = 0;
  const opened: Stack[] = [];
  const cleanUp = async () => {
    killChildren();
    killGroups();
    for (const stack of opened.splice(0)) await stack.close().catch((error: unknown) => console.error(`cleaning up ${stack.name}: ${String(error)}`));
  };
  process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));
  try {
    for (const open of stacks) {
      const stack = await open();
      opened.push(stack);
      const result = await runStack(stack, settings, scenarios);
      rows.push(...result.rows);
      incomplete += result.incomplete;
      await stack.close();
      opened.splice(opened.indexOf(stack), 1);
    }
  } finally {
    await cleanUp();
  }
  const seconds = Math.round((Date.now() - startedAt.getTime()) / 1000);
  const settingsText = describeSettings(settings);
  const table = markdown({ machine: about, settings: settingsText, startedAt: startedAt.toISOString(), seconds, rows });
  const paths = await writeReport(out, startedAt, { startedAt: startedAt.toISOString(), seconds, machine: about, settings, rows }, table);
  console.log(`\n${table}`);
  console.log(`Results: ${paths.json}\n         ${paths.markdown}`);
  if (incomplete > 0) console.error(`${incomplete} scenario run(s) did not complete: see the rows marked "did not complete".`);
  return incomplete > 0 ? 2 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    killChildren();
    killGroups();
    process.exit(1);
  },
);
