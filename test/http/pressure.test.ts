import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type TestServer, startServer } from '../helpers/server.js';

describe('load shedding', () => {
  describe('with a heap limit every process is over (1 MB)', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer({ PRESSURE_MAX_HEAP_USED_MB: '1', PRESSURE_RETRY_AFTER_SECONDS: '7' });
    });
    afterAll(() => server.close());

    // The plugin samples once a second; until its first sample nothing is shed.
    const shedding = () =>
      vi.waitFor(
        async () => {
          const response = await server.request('GET', '/api');
          expect(response.status).toBe(503);
          return response;
        },
        { timeout: 10_000, interval: 100 },
      );

    it('answers 503 with Retry-After and says which limit was passed', async () => {
      const response = await shedding();
      expect(response.headers.get('retry-after')).toBe('7');
      expect(response.body.detail).toMatch(/overloaded \(heap in use\); retry after 7 s/);
    });

    it('reports the state on /health, in the healthy answer’s shape plus the limit passed', async () => {
      await shedding();
      const response = await server.request('GET', '/health');
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('7');
      expect(response.body).toMatchObject({ status: 'under_pressure', version: expect.any(String), pressure: { type: 'heapUsedBytes' } });
      expect(response.body.pressure.value).toBeGreaterThan(1024 * 1024);
      expect(Number.isNaN(Date.parse(response.body.timestamp))).toBe(false);
    });

    it('sheds authenticated routes before authenticating, and keeps serving metrics', async () => {
      await shedding();
      expect((await server.request('GET', '/auth/me')).status).toBe(503);
      expect((await server.request('GET', '/v1/projects')).status).toBe(503);
      const metrics = await server.request('GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/api",status="503"\} \d+/);
    });
  });

  describe('with the default limits', () => {
    let server: TestServer;
    beforeAll(async () => {
      // The defaults as a deployment gets them (the test helper turns the delay check off).
      server = await startServer({ PRESSURE_MAX_EVENT_LOOP_DELAY_MS: undefined });
    });
    afterAll(() => server.close());

    it('does not shed a busy but healthy server', async () => {
      // Several sampling intervals of steady traffic: a healthy process stays under every default.
      const deadline = Date.now() + 2500;
      const statuses = new Set<number>();
      while (Date.now() < deadline) {
        const batch = await Promise.all(Array.from({ length: 20 }, () => server.request('GET', '/health')));
        for (const response of batch) statuses.add(response.status);
      }
      expect([...statuses]).toEqual([200]);
      const health = await server.request('GET', '/health');
      expect(Object.keys(health.body).sort()).toEqual(['status', 'timestamp', 'version']);
      expect(health.body.status).toBe('ok');
    });
  });
});
