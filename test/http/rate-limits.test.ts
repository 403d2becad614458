import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAdmin } from '../helpers/actors.js';
import { ADMIN_EMAIL, type TestServer, startServer } from '../helpers/server.js';

describe('rate limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ RATE_LIMIT_LOGIN: '3', RATE_LIMIT_REGISTER: '2', RATE_LIMIT_DEFAULT: '5', RATE_LIMIT_REFRESH: '0' });
  });
  afterAll(() => server.close());

  it('limits registration attempts per IP with 429 and Retry-After', async () => {
    const attempt = () => server.request('POST', '/auth/register', { body: { email: 'x@example.test', password: 'x', invitation_code: 'x' } });
    expect((await attempt()).status).toBe(400);
    expect((await attempt()).status).toBe(400);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body.detail).toMatch(/Too many requests/);
  });

  it('limits other routes per user, not per IP', async () => {
    const admin = await loginAdmin(server);
    const second = await loginAdmin(server);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await server.request('GET', '/auth/me', { token: admin.token })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    // Same user, so the same bucket, whichever token they hold.
    expect((await server.request('GET', '/auth/me', { token: second.token })).status).toBe(429);
    // Health and metrics are never limited: probes must always get through.
    expect((await server.request('GET', '/health')).status).toBe(200);
  });

  it('limits login attempts per IP', async () => {
    // Two logins above plus this one use the three allowed.
    const third = await server.request('POST', '/auth/login', { body: { email: ADMIN_EMAIL, password: 'wrong' } });
    expect(third.status).toBe(401);
    const fourth = await server.request('POST', '/auth/login', { body: { email: ADMIN_EMAIL, password: 'wrong' } });
    expect(fourth.status).toBe(429);
  });

  it('turns a limit off with 0', async () => {
    const admin = (await server.request('POST', '/auth/login', { body: { email: ADMIN_EMAIL, password: 'x' } })).status;
    expect(admin).toBe(429);
    for (let i = 0; i < 5; i += 1) {
      expect((await server.request('POST', '/auth/refresh', { body: { refresh_token: 'garbage' } })).status).toBe(401);
    }
  });
});
