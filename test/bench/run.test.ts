import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

interface Row {
  scenario: string;
  name: string;
  stack: string;
  measured: number | null;
  met: boolean | null;
  notes: string[];
}

/**
 * Runs `npm run bench` once at the tiny preset and checks that every scenario ran
 * and reported. Nothing here judges speed: the tiny run's numbers mean nothing.
 * One stack per suite run: PostgreSQL + Redis when the suite runs against them,
 * the embedded default otherwise.
 */
const stack = process.env.DATABASE_URL && process.env.REDIS_URL ? 'postgres' : 'embedded';

function runBench(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run bench', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it(`runs every scenario at the tiny size on the ${stack} stack and writes JSON and a markdown table`, { timeout: 360_000 }, async () => {
    const out = await mkdtemp(join(tmpdir(), 'intracker-bench-test-'));
    dirs.push(out);
    const { code, output } = await runBench(['--tiny', '--stack', stack, '--out', out]);
    expect(code, output).toBe(0);

    const files = await readdir(out);
    const dated = files.filter((file) => /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.json$/.test(file));
    expect(dated, files.join(', ')).toHaveLength(1);
    expect(files).toEqual(expect.arrayContaining(['latest.json', 'latest.md', (dated[0] as string).replace('.json', '.md')]));

    const report = JSON.parse(await readFile(join(out, dated[0] as string), 'utf8')) as { rows: Row[]; machine: { cores: number } };
    expect(report.machine.cores).toBeGreaterThan(0);
    const scenarios = new Set(report.rows.map((row) => Number.parseInt(row.scenario, 10)));
    expect([...scenarios].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const row of report.rows) {
      expect(row.stack).toBe(stack);
      expect(row.name).not.toBe('did not complete');
      // A number, or (when a slow server answered nothing in time) the reason there is none.
      if (!Number.isFinite(row.measured)) expect(row.notes, `${row.scenario}: ${row.name}`).not.toEqual([]);
    }
    const lost = report.rows.filter((row) => row.name.startsWith('lost updates'));
    expect(lost).toHaveLength(2);
    for (const row of lost) expect(row.measured, row.name).toBe(0);

    const table = await readFile(join(out, 'latest.md'), 'utf8');
    expect(table).toContain('| Scenario | Stack | Settings | Baseline | Measured | Ratio | Target | Met |');
    expect(table.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| Scenario'))).toHaveLength(report.rows.length);
  });

  it('refuses an unknown scenario with the list of known ones', async () => {
    const { code, output } = await runBench(['--only', 'nonsense']);
    expect(code).toBe(1);
    expect(output).toContain('unknown scenario nonsense; known: baseline, cached-project');
  });
});
