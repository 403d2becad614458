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

describe('service routes under /v1, as the README says every route is', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('serves health, readiness, the API description and the OpenAPI document there too', async () => {
    const health = await server.request('GET', '/v1/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', version: '0.1.0' });
    const ready = await server.request('GET', '/v1/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.database).toBe('ok');
    expect((await server.request('GET', '/v1/api')).body).toMatchObject({ message: 'InTracker API' });
    expect((await server.request('GET', '/v1/api/versions')).status).toBe(200);

    const openapi = await server.request('GET', '/v1/openapi.json');
    expect(openapi.status).toBe(200);
    expect(openapi.body).toEqual((await server.request('GET', '/openapi.json')).body);
    // The document lists each route once, unprefixed.
    expect(Object.keys(openapi.body.paths)).toContain('/health');
    expect(Object.keys(openapi.body.paths).some((path) => path.startsWith('/v1/'))).toBe(false);
  });

  it('serves the interactive docs at /v1/docs', async () => {
    expect((await fetch(`${server.url}/docs/`)).status).toBe(200);
    const docs = await fetch(`${server.url}/v1/docs/`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toContain('text/html');
    const json = await server.request('GET', '/v1/docs/json');
    expect(json.status).toBe(200);
    expect(json.body.openapi).toMatch(/^3\./);
  });
});
