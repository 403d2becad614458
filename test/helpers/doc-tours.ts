import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/**
 * The shell tours of our Markdown docs, run the way a reader pastes them.
 *
 * A tour is every ```sh block of a file, in order, run by one bash with
 * `set -euo pipefail`. Blocks that start the server (`npm start`, `npm ci`) are not
 * run: the test starts its own, with the environment those blocks set. The lines that
 * the docs ask the reader to fill in from their own terminal (`B=` the server's
 * address, `CODE=` the one-time code the server printed) get the test server's values.
 */
export interface DocTour {
  /** The shell script that runs the tour. */
  script: string;
  /** `NAME=value` pairs the doc's server-start block sets, e.g. the admin's e-mail. */
  serverEnv: Record<string, string>;
  /** The error statuses (4xx/5xx) the doc shows, in the order its commands answer them. */
  expectedErrors: number[];
}

const SERVER_START = /\bnpm (start|ci)\b/;
const READER_SUPPLIED = /^(B|CODE)=.*$/gm;
const ENV_ASSIGNMENT = /\b([A-Z][A-Z0-9_]*)=('([^']*)'|"([^"]*)"|(\S+))/g;
const SHOWN_ERROR = /^#\s*([45]\d\d)\b/;

export async function readDocTour(path: string): Promise<DocTour> {
  const markdown = await readFile(path, 'utf8');
  const blocks = [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
  const serverEnv: Record<string, string> = {};
  const run: string[] = [];
  for (const block of blocks) {
    if (!SERVER_START.test(block)) {
      run.push(block);
      continue;
    }
    for (const [, name, , single, double, bare] of block.matchAll(ENV_ASSIGNMENT)) {
      if (name) serverEnv[name] = single ?? double ?? bare ?? '';
    }
  }
  const script = run.join('\n');
  const expectedErrors = script
    .split('\n')
    .map((line) => SHOWN_ERROR.exec(line.trim())?.[1])
    .filter((status): status is string => status !== undefined)
    .map(Number);
  return { script, serverEnv, expectedErrors };
}

export interface TourRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Every answer curl got, in order: status, method and URL. */
  answers: { status: number; method: string; url: string }[];
}

/** Which of the programs the tours need (bash, curl, jq) this machine lacks. */
export async function missingTourTools(): Promise<string[]> {
  const present = await Promise.all(
    ['bash', 'curl', 'jq'].map(
      (tool) =>
        new Promise<[string, boolean]>((resolve) => {
          const child = spawn(tool, ['--version'], { stdio: 'ignore' });
          child.on('error', () => resolve([tool, false]));
          child.on('close', (code) => resolve([tool, code === 0]));
        }),
    ),
  );
  return present.filter(([, found]) => !found).map(([tool]) => tool);
}

const ANSWER_MARK = '@@answer ';

/**
 * Runs a tour against `values` (B, CODE). curl is wrapped so that each answer's status
 * is noted on stderr, unless the doc's command prints its own `-w`; nothing else about
 * the commands changes.
 */
export function runDocTour(tour: DocTour, values: Record<'B' | 'CODE', string>): Promise<TourRun> {
  const script = [
    'set -euo pipefail',
    'curl() {',
    '  local arg',
    '  for arg in "$@"; do case "$arg" in -w|--write-out) command curl "$@"; return;; esac; done',
    `  command curl -w '%{stderr}${ANSWER_MARK}%{http_code} %{method} %{url_effective}\\n' "$@"`,
    '}',
    tour.script.replace(READER_SUPPLIED, (line) => {
      const name = line.slice(0, line.indexOf('=')) as 'B' | 'CODE';
      return `${name}='${values[name]}'`;
    }),
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => {
      const answers = stderr
        .split('\n')
        .filter((line) => line.startsWith(ANSWER_MARK))
        .map((line) => {
          const [status = '0', method = '', url = ''] = line.slice(ANSWER_MARK.length).split(' ');
          return { status: Number(status), method, url };
        });
      resolve({ exitCode, stdout, stderr, answers });
    });
  });
}
