import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { StackName } from './stack.js';

export interface Target {
  /** What the target bounds: the measured value itself, or measured ÷ baseline. */
  on: 'measured' | 'ratio';
  op: '>=' | '<=';
  value: number;
}

/** One line of the report: a measured value, its same-run baseline and its target. */
export interface Row {
  scenario: string;
  name: string;
  stack: StackName;
  settings: string;
  unit: string;
  baseline: number | null;
  baselineName: string | null;
  measured: number | null;
  ratio: number | null;
  target: Target | null;
  met: boolean | null;
  /** Why `met` is false beyond the numbers (errors, lost clients), or what failed. */
  notes: string[];
  details: Record<string, unknown>;
}

export type RowInput = Omit<Row, 'ratio' | 'met' | 'notes' | 'stack'> & { notes?: string[] };

const round = (value: number, digits = 3) => +value.toFixed(digits);

/**
 * Fills in ratio and met. A row with notes (errors during the sample, clients that
 * never got the event) does not meet its target whatever its numbers say.
 */
export function finish(stack: StackName, input: RowInput): Row {
  const notes = input.notes ?? [];
  const ratio = input.measured !== null && input.baseline ? round(input.measured / input.baseline) : null;
  let met: boolean | null = null;
  if (input.target) {
    const value = input.target.on === 'ratio' ? ratio : input.measured;
    met = value === null ? false : input.target.op === '>=' ? value >= input.target.value : value <= input.target.value;
    if (notes.length > 0) met = false;
  }
  return { ...input, stack, ratio, met, notes };
}

/** A row for a scenario that threw or ran out of time. */
export function failedRow(stack: StackName, scenario: string, error: unknown): Row {
  return finish(stack, {
    scenario,
    name: 'did not complete',
    settings: '',
    unit: '',
    baseline: null,
    baselineName: null,
    measured: null,
    target: { on: 'measured', op: '>=', value: 0 },
    notes: [error instanceof Error ? error.message : String(error)],
    details: {},
  });
}

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  loadAverageAtStart: number[];
  commit: string;
}

export async function machine(): Promise<Machine> {
  const commit = await promisify(execFile)('git', ['rev-parse', '--short', 'HEAD']).then(
    ({ stdout }) => stdout.trim(),
    () => 'unknown',
  );
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg().map((value) => round(value, 2)),
    commit,
  };
}

const number = (value: number | null, unit = '') =>
  value === null ? '—' : `${value.toLocaleString('en-US', { maximumFractionDigits: value < 10 ? 2 : value < 100 ? 1 : 0 })}${unit ? ` ${unit}` : ''}`;

function targetText(row: Row): string {
  if (!row.target) return '—';
  const op = row.target.op === '>=' ? '≥' : '≤';
  return row.target.on === 'ratio' ? `${op} ${row.target.value}× baseline` : `${op} ${number(row.target.value, row.unit)}`;
}

/** Rows by stack, then by scenario number (scenario 4's rows come from 2 and 3's runs). */
function ordered(rows: Row[]): Row[] {
  const stacks = [...new Set(rows.map((row) => row.stack))];
  const number = (row: Row) => Number.parseInt(row.scenario, 10) || 99;
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => stacks.indexOf(a.row.stack) - stacks.indexOf(b.row.stack) || number(a.row) - number(b.row) || a.index - b.index)
    .map(({ row }) => row);
}

export function markdown(report: { machine: Machine; settings: string; startedAt: string; seconds: number; rows: Row[] }): string {
  const { machine: m } = report;
  const lines = [
    `Benchmark run ${report.startedAt} (${report.seconds} s), commit ${m.commit}`,
    '',
    `Machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}, load average at start ${m.loadAverageAtStart.join(' / ')}.`,
    `Settings: ${report.settings}.`,
    '',
    '| Scenario | Stack | Settings | Baseline | Measured | Ratio | Target | Met |',
    '|---|---|---|---|---|---|---|---|',
    ...ordered(report.rows).map((row) =>
      [
        `${row.scenario}: ${row.name}`,
        row.stack === 'embedded' ? 'embedded (PGlite)' : 'PostgreSQL + Redis',
        row.settings,
        row.baseline === null ? '—' : `${number(row.baseline, row.unit)} (${row.baselineName})`,
        number(row.measured, row.unit),
        row.ratio === null ? '—' : `${row.ratio}×`,
        targetText(row),
        (row.met === null ? '—' : row.met ? 'yes' : '**no**') + (row.notes.length > 0 ? ` (${row.notes.join('; ').replace(/\|/g, '/')})` : ''),
      ]
        .join(' | ')
        .replace(/^/, '| ')
        .replace(/$/, ' |'),
    ),
    '',
  ];
  return lines.join('\n');
}

/**
 * `<dir>/<timestamp>.json` and `.md` for this run (never an existing file), and the
 * git-ignored `latest.json`/`latest.md` copies.
 */
export async function writeReport(dir: string, startedAt: Date, json: unknown, table: string): Promise<{ json: string; markdown: string }> {
  await mkdir(dir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/\.\d+Z$/, '').replace(/:/g, '-');
  const body = `${JSON.stringify(json, null, 2)}\n`;
  const paths = { json: join(dir, `${stamp}.json`), markdown: join(dir, `${stamp}.md`) };
  await writeFile(paths.json, body, { flag: 'wx' });
  await writeFile(paths.markdown, table, { flag: 'wx' });
  await writeFile(join(dir, 'latest.json'), body);
  await writeFile(join(dir, 'latest.md'), table);
  return paths;
}
