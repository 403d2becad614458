/**
 * The InTracker app as the HTTP scenarios load it: `buildBenchApp` in a process of its
 * own (so autocannon's CPU is not the app's), listening on 127.0.0.1, with its
 * event-loop delay readable over IPC.
 *
 * One bench-only route: `GET /bench/upstream` calls the slow upstream the runner
 * names (`upstream` call) with `fetch` and a timeout, the way an integration's
 * outbound call would. `buildApp` is ready (closed to new routes) when it returns,
 * so the route sits in front of Fastify on the same `http.Server` and event loop; it
 * skips the plugin chain, which is not what this scenario measures.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildBenchApp } from '../bench-app.js';
import { announce, serveCalls } from './ipc.js';
import { loopProbe } from './loop-probe.js';

const UPSTREAM_TIMEOUT_MS = 5_000;

const probe = loopProbe();
const state: { upstream: string | undefined } = { upstream: undefined };

async function callUpstream(response: ServerResponse): Promise<void> {
  if (!state.upstream) {
    response.writeHead(503, { 'content-type': 'application/json' }).end('{"detail":"no upstream configured"}');
    return;
  }
  try {
    const upstream = await fetch(state.upstream, { signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) });
    const body = await upstream.text();
    response.writeHead(upstream.ok ? 200 : 502, { 'content-type': 'application/json' }).end(body);
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    response.writeHead(timedOut ? 504 : 502, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: String(error) }));
  }
}

const app = await buildBenchApp();
const server = app.fastify.server;
const fastifyHandlers = server.listeners('request') as ((request: IncomingMessage, response: ServerResponse) => void)[];
server.removeAllListeners('request');
server.on('request', (request: IncomingMessage, response: ServerResponse) => {
  if (request.method === 'GET' && request.url === '/bench/upstream') {
    void callUpstream(response);
    return;
  }
  for (const handler of fastifyHandlers) handler(request, response);
});

serveCalls({
  upstream: (args) => {
    state.upstream = String(args);
  },
  'loop-reset': () => probe.reset(),
  'loop-read': () => probe.read(),
});

const url = await app.fastify.listen({ port: 0, host: '127.0.0.1' });
process.on('SIGTERM', () => {
  void app.close().finally(() => process.exit(0));
});
announce(url);
