import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeam, loginAdmin } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

function sample(text: string, series: string, missing?: number): number {
  const escaped = series.replace(/[{}"\\]/g, (char) => `\\${char}`);
  const match = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  if (match) return Number(match[1]);
  if (missing !== undefined) return missing;
  throw new Error(`no sample ${series} in /metrics`);
}

// Either stack: the embedded worker and PostgreSQL are reached through the same pool.
describe('database metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('counts and times the statements requests run, and reports the pool', async () => {
    const before = sample((await server.request('GET', '/metrics')).text, 'db_query_duration_seconds_count{outcome="ok"}', 0);
    const admin = await loginAdmin(server);
    await createTeam(server, admin, unique('metrics-'));
    const text = (await server.request('GET', '/metrics')).text;
    expect(sample(text, 'db_query_duration_seconds_count{outcome="ok"}')).toBeGreaterThan(before);
    expect(sample(text, 'db_query_duration_seconds_sum{outcome="ok"}')).toBeGreaterThan(0);
    expect(sample(text, 'db_pool_size')).toBeGreaterThan(0);
    // Scraped while idle: nothing is waiting and no transaction holds a connection.
    expect(sample(text, 'db_queries_in_flight')).toBe(0);
    expect(sample(text, 'db_pool_connections_in_transaction')).toBe(0);
  });
});
