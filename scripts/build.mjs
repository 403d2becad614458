// `npm run build` (and `prepare`, so `npm ci` builds): tsc, then the stamp that
// start.mjs compares the sources with.
import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { root, writeStamp } from './build-state.mjs';

export async function build() {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    await access(tsc);
  } catch {
    // An install without devDependencies (`npm ci --omit=dev`) cannot build; it is
    // expected to ship a dist/ built elsewhere, so `prepare` must not fail it.
    if (process.env.npm_lifecycle_event === 'prepare') {
      console.warn('TypeScript is not installed (devDependencies omitted): not building dist/.');
      return 0;
    }
    console.error('TypeScript is not installed: run `npm ci` first.');
    return 1;
  }
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  if (code === 0) await writeStamp();
  return code;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await build();
