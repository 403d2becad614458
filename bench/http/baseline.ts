/**
 * HTTP baseline: how close InTracker's plumbing comes to a bare node:http server, and
 * whether CPU-heavy requests (argon2 logins) hold up everyone else's.
 *
 *   npm run bench:http            # writes bench/results/http-baseline.<database>.json
 *
 * Every number is measured in the same run as its baseline, because this machine is
 * shared and noisy: read the ratios, not the absolute figures.
 */
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { BENCH_ADMIN, buildBenchApp } from '../bench-app.js';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 8);
const CONNECTIONS = 50;
const ADMIN = BENCH_ADMIN;

interface Sample {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

async function load(url: string, options: Partial<autocannon.Options> = {}): Promise<Sample> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, ...options });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

async function bareServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const body = JSON.stringify({ status: 'ok' });
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function main() {
  const bare = await bareServer();
  const bareHealth = await load(`${bare.url}/health`);
  await bare.close();

  const app = await buildBenchApp();
  const base = await app.fastify.listen({ port: 0, host: '127.0.0.1' });
  const login = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  const token = ((await login.json()) as { tokens: { access_token: string } }).tokens.access_token;

  const health = await load(`${base}/health`);
  const me = await load(`${base}/auth/me`, { headers: { authorization: `Bearer ${token}` } });

  // Logins hash with argon2 on the libuv pool. If that ever moved onto the event
  // loop, /health latency under this mixed load would jump to login latency.
  const loginBody = JSON.stringify(ADMIN);
  const [healthUnderLogins, logins] = await Promise.all([
    load(`${base}/health`, { connections: 10 }),
    load(`${base}/auth/login`, { method: 'POST', body: loginBody, headers: { 'content-type': 'application/json' }, connections: 8 }),
  ]);
  const healthAlone = await load(`${base}/health`, { connections: 10 });
  await app.close();

  const results = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    database: process.env.DATABASE_URL ? 'postgres' : 'pglite (memory)',
    durationSeconds: DURATION_S,
    connections: CONNECTIONS,
    samples: { bareHealth, health, me, healthAlone, healthUnderLogins, logins },
    ratios: {
      healthVsBare: +(health.requestsPerSecond / bareHealth.requestsPerSecond).toFixed(3),
      meVsHealth: +(me.requestsPerSecond / health.requestsPerSecond).toFixed(3),
      healthP99UnderLoginsVsAlone: +(healthUnderLogins.p99Ms / Math.max(healthAlone.p99Ms, 1)).toFixed(2),
    },
  };
  const file = `http-baseline.${process.env.DATABASE_URL ? 'postgres' : 'pglite'}.json`;
  await writeFile(new URL(`../results/${file}`, import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
