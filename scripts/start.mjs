// `npm start`: runs dist/main.js with the given command (normally `serve`), building
// first only when there is no build yet or a source is newer than the last one. On a
// built checkout this costs a directory walk (milliseconds), not a compile (seconds).
import { build } from './build.mjs';
import { staleBecause } from './build-state.mjs';

const reason = await staleBecause();
if (reason) {
  console.log(`Building (${reason})…`);
  const code = await build();
  if (code !== 0) process.exit(code);
}
// In this process: dist/main.js reads its command from process.argv like the `intracker` bin.
await import('../dist/main.js');
