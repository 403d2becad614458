import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startServer } from '../helpers/server.js';

describe('service routes', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('answers liveness without touching the database', async () => {
    const response = await server.request('GET', '/health');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'ok', version: '0.1.0' });
    expect(new Date(response.body.timestamp).toISOString()).toBe(response.body.timestamp);
  });

  it('reports readiness of the database and Redis', async () => {
    const response = await server.request('GET', '/health/ready');
    expect(response.status).toBe(200);
    expect(response.body.checks.database).toBe('ok');
    expect(response.body.checks.redis).toBe(process.env.REDIS_URL ? 'ok' : 'not configured');
  });

  it('describes the API and its versions', async () => {
    const api = await server.request('GET', '/api');
    expect(api.body).toMatchObject({ message: 'InTracker API', version: '0.1.0' });
    const versions = await server.request('GET', '/api/versions');
    expect(versions.body).toMatchObject({ default_version: 'v1', latest_version: 'v1' });
  });
});
