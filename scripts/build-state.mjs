// What a build depends on and when it last succeeded, shared by build.mjs and start.mjs.
import { readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
/** Written after every successful `tsc`; its mtime is the build's time. */
export const stampFile = `${root}dist/.build-stamp`;
const inputs = ['src', 'tsconfig.json', 'tsconfig.build.json'];

/**
 * The newest mtime among the build's inputs. Directories count too: deleting or
 * renaming a source file changes only its directory's mtime.
 */
async function newestInputMs() {
  const times = await Promise.all(
    inputs.map(async (input) => {
      const path = `${root}${input}`;
      const info = await stat(path);
      if (!info.isDirectory()) return info.mtimeMs;
      const entries = await readdir(path, { recursive: true });
      const entryTimes = await Promise.all(entries.map((entry) => stat(`${path}/${entry}`).then((s) => s.mtimeMs)));
      return Math.max(info.mtimeMs, ...entryTimes);
    }),
  );
  return Math.max(...times);
}

/** Why a build is needed, or undefined when dist/ is as new as every input. */
export async function staleBecause() {
  const built = await stat(stampFile).then(
    (info) => info.mtimeMs,
    () => undefined,
  );
  if (built === undefined) return 'no build yet';
  return (await newestInputMs()) > built ? 'sources changed since the last build' : undefined;
}

export async function writeStamp() {
  const now = new Date();
  await writeFile(stampFile, `${now.toISOString()}\n`);
  await utimes(stampFile, now, now);
}
