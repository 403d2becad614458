/**
 * The InTracker app as the HTTP scenarios load it: `buildBenchApp` in a process of its
 * own (so autocannon's CPU is not the app's), listening on 127.0.0.1, with its
 * event-loop delay readable over IPC.
 */
import { buildBenchApp } from '../bench-app.js';
import { announce, serveCalls } from './ipc.js';
import { loopProbe } from './loop-probe.js';

const probe = loopProbe();
const app = await buildBenchApp();

serveCalls({
  'loop-reset': () => probe.reset(),
  'loop-read': () => probe.read(),
});

const url = await app.fastify.listen({ port: 0, host: '127.0.0.1' });
process.on('SIGTERM', () => {
  void app.close().finally(() => process.exit(0));
});
announce(url);
