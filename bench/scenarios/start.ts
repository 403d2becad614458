import { fileURLToPath } from 'node:url';
import { BENCH_ADMIN, BENCH_ENCRYPTION_KEYS } from '../bench-app.js';
import { login } from '../lib/api.js';
import type { Context, Scenario } from '../lib/context.js';
import { childEnv } from '../lib/ipc.js';
import { freePort, spawnGroup, stopGroup, treeRssMb, waitUntilHealthy } from '../lib/processes.js';
import { type Row, finish } from '../lib/report.js';
import { seedTree } from '../lib/seed.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READY_TIMEOUT_MS = 120_000;
const IDLE_MS = 2_000;

const idle = () => new Promise((resolve) => setTimeout(resolve, IDLE_MS));

/** `npm run build` (incremental), bounded; its seconds go into the report. */
async function build(): Promise<number> {
  const started = performance.now();
  const child = spawnGroup('npm', ['run', 'build', '--silent'], process.env, ROOT);
  const timer = setTimeout(() => void stopGroup(child, 1000), 300_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`npm run build failed: ${child.output().slice(-500)}`);
  return +((performance.now() - started) / 1000).toFixed(1);
}

interface Started {
  readyMs: number;
  idleRssMb: number;
  url: string;
  stop(): Promise<void>;
  pid: number;
}

/** Spawns `args` with `env`, times it until /health answers, lets it idle, reads its RSS. */
async function startAndMeasure(context: Context, args: string[], env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const started = performance.now();
  const child = spawnGroup(process.execPath, args, childEnv({ ...env, PORT: String(port), HOST: '127.0.0.1' }), ROOT);
  context.defer(() => stopGroup(child));
  const url = `http://127.0.0.1:${port}`;
  const readyMs = await waitUntilHealthy(`${url}/health`, started, child, READY_TIMEOUT_MS).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; output: ${child.output().slice(-300)}`);
  });
  await idle();
  const { totalMb } = await treeRssMb(child.pid as number);
  return { readyMs, idleRssMb: totalMb, url, pid: child.pid as number, stop: () => stopGroup(child) };
}

/** The smallest Node server there is: what Node itself costs to start and to keep. */
const BARE_SERVER = `require('node:http').createServer((q, s) => s.end('{"status":"ok"}')).listen(Number(process.env.PORT), '127.0.0.1')`;

/**
 * Scenario 8: the real CLI, as `npm start` runs it (or through tsx with
 * `serverCommand: 'src'`). First start on an empty data directory (or database),
 * seed scenario 3's data, then a restart on that existing data: time until
 * `GET /health` answers and resident memory after two idle seconds. Baseline: a bare
 * node:http server started the same way.
 */
export const start: Scenario = {
  name: 'start',
  slow: true,
  async run(context) {
    const { settings, stack } = context;
    const buildSeconds = settings.serverCommand === 'dist' ? await build() : null;
    const args = settings.serverCommand === 'dist' ? ['dist/main.js', 'serve'] : ['--import', 'tsx', 'src/main.ts', 'serve'];

    const bare = await startAndMeasure(context, ['-e', BARE_SERVER], {});
    await bare.stop();

    const env = {
      ...(await stack.environment('start')),
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      JWT_SECRET: 'bench-access-secret-0123456789-0123456789',
      JWT_REFRESH_SECRET: 'bench-refresh-secret-0123456789-0123456789',
      ENCRYPTION_KEYS: BENCH_ENCRYPTION_KEYS,
      INTRACKER_ADMIN_EMAIL: BENCH_ADMIN.email,
      INTRACKER_ADMIN_PASSWORD: BENCH_ADMIN.password,
      RATE_LIMIT_LOGIN: '0',
      RATE_LIMIT_DEFAULT: '0',
    };
    const first = await startAndMeasure(context, args, env);
    const api = await login(first.url, BENCH_ADMIN);
    const seeded = await seedTree(api, settings.tree);
    await api.call('GET', `/elements/project/${seeded.projectId}/tree`);
    await idle();
    const seededRss = await treeRssMb(first.pid);
    await first.stop();

    const again = await startAndMeasure(context, args, env);
    await again.stop();

    const command = settings.serverCommand === 'dist' ? 'node dist/main.js serve' : 'node --import tsx src/main.ts serve';
    const rssLimit = stack.name === 'postgres' ? 150 : 250;
    const row = (name: string, settingsText: string, unit: string, baseline: number, measured: number, target: number | null, details = {}): Row =>
      finish(stack.name, {
        scenario: '8 start and footprint',
        name,
        settings: settingsText,
        unit,
        baseline,
        baselineName: 'bare node:http',
        measured,
        target: target === null ? null : { on: 'measured', op: '<=', value: target },
        details,
      });
    return [
      row('ready, first start on empty data', `${command}, spawn → GET /health (build not counted)`, 'ms', bare.readyMs, first.readyMs, 15_000, { buildSeconds }),
      row('ready, restart on existing data', `${command}, after seeding ${settings.tree.elements}/${settings.tree.todos}`, 'ms', bare.readyMs, again.readyMs, 2000),
      row('idle RSS after restart', `VmRSS of the process tree, ${IDLE_MS / 1000} s idle`, 'MB', bare.idleRssMb, again.idleRssMb, rssLimit, {
        firstStartIdleMb: first.idleRssMb,
      }),
      row('RSS after seeding', `after ${settings.tree.elements} elements / ${settings.tree.todos} todos and one tree read`, 'MB', bare.idleRssMb, seededRss.totalMb, null, {
        processes: seededRss.processes,
      }),
    ];
  },
};
