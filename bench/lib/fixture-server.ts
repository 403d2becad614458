/**
 * A bare `node:http` server in its own process: the baseline every HTTP scenario is
 * compared with. It answers every request with the body the runner sends (`body` call).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announce, serveCalls } from './ipc.js';
import { loopProbe } from './loop-probe.js';

const probe = loopProbe();
const state = { body: Buffer.from('{}') };

const server = createServer((request, response) => {
  // The body may be a write's; read it to the end as a real server would.
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': state.body.length });
    response.end(state.body);
  });
});

serveCalls({
  body: (args) => {
    state.body = Buffer.from(String(args));
    return state.body.length;
  },
  'loop-reset': () => probe.reset(),
  'loop-read': () => probe.read(),
});

server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => announce(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
process.on('SIGTERM', () => process.exit(0));
