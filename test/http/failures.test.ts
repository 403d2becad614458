import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, loginAdmin } from '../helpers/actors.js';
import { type TestServer, startServer } from '../helpers/server.js';

// Failure injection, not a mock: the server's real database connection goes away
// underneath it, the way a crashed database server would.
describe('when the database fails', () => {
  let server: TestServer;
  let admin: Session;
  beforeAll(async () => {
    server = await startServer({ CORS_ORIGIN: 'https://board.example.test' });
    admin = await loginAdmin(server);
    await server.app.fastify.services.database.close();
  });
  afterAll(() => server.close().catch(() => {}));

  it('answers 500 with a generic detail, no stack, and the usual headers', async () => {
    const response = await server.request('GET', '/auth/me', { token: admin.token, headers: { origin: 'https://board.example.test' } });
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ detail: 'Internal server error' });
    expect(response.text).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://board.example.test');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('reports not ready while liveness stays up', async () => {
    const ready = await server.request('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.database).toBe('unreachable');
    expect((await server.request('GET', '/health')).status).toBe(200);
  });
});
