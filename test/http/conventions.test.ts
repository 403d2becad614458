import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, loginAdmin } from '../helpers/actors.js';
import { type TestServer, startServer } from '../helpers/server.js';

describe('HTTP conventions', () => {
  let server: TestServer;
  let admin: Session;
  beforeAll(async () => {
    server = await startServer({ CORS_ORIGIN: 'https://board.example.test', NODE_ENV: 'production', ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` });
    admin = await loginAdmin(server);
  });
  afterAll(() => server.close());

  describe('errors', () => {
    it('answers an unknown route with a 404 detail', async () => {
      const response = await server.request('GET', '/no/such/route');
      expect(response.status).toBe(404);
      expect(response.body.detail).toContain('/no/such/route');
    });

    it('answers a missing token with 401 and a Bearer challenge', async () => {
      const response = await server.request('GET', '/auth/me');
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ detail: 'Not authenticated' });
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    });

    it('answers a malformed Authorization header with 401, not 403', async () => {
      for (const header of ['Token abc', 'Bearer', 'Basic dXNlcjpwYXNz']) {
        const response = await server.request('GET', '/auth/me', { headers: { authorization: header } });
        expect(response.status, header).toBe(401);
      }
    });

    it('answers a forged or garbage token with 401', async () => {
      const response = await server.request('GET', '/auth/me', { token: 'not.a.jwt' });
      expect(response.status).toBe(401);
      expect(response.body.detail).toBe('Invalid or expired token');
    });

    it('refuses a refresh token used as an access token', async () => {
      const response = await server.request('GET', '/auth/me', { token: admin.refreshToken });
      expect(response.status).toBe(401);
    });
  });

  describe('bad input never gives a 500', () => {
    it('malformed JSON → 422 on the body', async () => {
      const response = await server.request('POST', '/auth/login', {
        rawBody: '{"email": "a@b.c", "password": ',
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status).toBe(422);
      expect(response.body.detail[0]).toMatchObject({ loc: ['body'], type: 'json_invalid' });
    });

    it('an empty JSON body → 422', async () => {
      const response = await server.request('POST', '/auth/login', { rawBody: '', headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(422);
    });

    it('a missing field → 422 naming it', async () => {
      const response = await server.request('POST', '/auth/login', { body: { email: 'a@b.c' } });
      expect(response.status).toBe(422);
      expect(response.body.detail).toEqual([{ loc: ['body', 'password'], msg: 'Field required', type: 'missing' }]);
    });

    it('a wrong type → 422 naming the field', async () => {
      const response = await server.request('POST', '/auth/login', { body: { email: 'a@b.c', password: { not: 'a string' } } });
      expect(response.status).toBe(422);
      expect(response.body.detail[0].loc).toEqual(['body', 'password']);
    });

    it('an over-long string → 422 naming the field', async () => {
      const response = await server.request('POST', '/auth/register', {
        body: { email: 'a@b.c', password: 'x', name: 'n'.repeat(256), invitation_code: 'c' },
      });
      expect(response.status).toBe(422);
      expect(response.body.detail.map((issue: { loc: string[] }) => issue.loc.join('.'))).toContain('body.name');
    });

    it('a body that is not an object → 422', async () => {
      const response = await server.request('POST', '/auth/login', { body: ['a', 'b'] });
      expect(response.status).toBe(422);
    });

    it('a body over 1 MiB → 413', async () => {
      const response = await server.request('POST', '/auth/login', {
        body: { email: 'a@b.c', password: 'p'.repeat(1024 * 1024 + 10) },
      });
      expect(response.status).toBe(413);
      expect(response.body.detail).toMatch(/too large/i);
    });

    it('a non-JSON body → 415', async () => {
      const response = await server.request('POST', '/auth/login', {
        rawBody: 'email=a@b.c&password=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(response.status).toBe(415);
      expect(response.body.detail).toMatch(/application\/json/);
    });

    it('a plain-text body → 415', async () => {
      const response = await server.request('POST', '/auth/login', { rawBody: 'hello', headers: { 'content-type': 'text/plain' } });
      expect(response.status).toBe(415);
    });

    it('a bad page number → 422 on the query', async () => {
      const response = await server.request('GET', '/teams?page=0', { token: admin.token });
      expect(response.status).toBe(422);
      expect(response.body.detail[0].loc).toEqual(['query', 'page']);
    });

    it('a page_size over 100 → 422', async () => {
      const response = await server.request('GET', '/teams?page_size=101', { token: admin.token });
      expect(response.status).toBe(422);
      expect(response.body.detail[0].loc).toEqual(['query', 'page_size']);
    });
  });

  describe('headers', () => {
    it('sends the security headers on every answer, errors included', async () => {
      for (const path of ['/health', '/no/such/route']) {
        const response = await server.request('GET', path);
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('x-frame-options')).toBe('DENY');
        expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
        expect(response.headers.get('permissions-policy')).toContain('geolocation=()');
        expect(response.headers.get('strict-transport-security')).toContain('max-age=31536000');
      }
    });

    it('allows the configured origin with credentials and refuses others', async () => {
      const allowed = await server.request('GET', '/health', { headers: { origin: 'https://board.example.test' } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://board.example.test');
      expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
      const other = await server.request('GET', '/health', { headers: { origin: 'https://evil.example.test' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('answers a CORS preflight', async () => {
      const response = await server.request('OPTIONS', '/auth/login', {
        headers: {
          origin: 'https://board.example.test',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,authorization',
        },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-methods')).toContain('POST');
      expect(response.headers.get('access-control-max-age')).toBe('600');
    });

    it('echoes a request id, keeping a sane one the client sent', async () => {
      const generated = await server.request('GET', '/health');
      expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const kept = await server.request('GET', '/health', { headers: { 'x-request-id': 'trace-123' } });
      expect(kept.headers.get('x-request-id')).toBe('trace-123');
    });
  });

  describe('/v1', () => {
    it('serves the same routes under /v1', async () => {
      const plain = await server.request('GET', '/auth/me', { token: admin.token });
      const versioned = await server.request('GET', '/v1/auth/me', { token: admin.token });
      expect(versioned.status).toBe(200);
      // Other test files log the same admin in meanwhile, moving these two stamps.
      const stable = ({ last_login_at: _login, updated_at: _updated, ...rest }: Record<string, unknown>) => rest;
      expect(stable(versioned.body)).toEqual(stable(plain.body));
      const login = await server.request('POST', '/v1/auth/login', { body: { email: admin.email, password: 'wrong' } });
      expect(login.status).toBe(401);
    });
  });

  describe('OpenAPI', () => {
    it('publishes /openapi.json with the routes and a UI at /docs', async () => {
      const response = await server.request('GET', '/openapi.json');
      expect(response.status).toBe(200);
      expect(response.body.info).toMatchObject({ title: 'InTracker API', version: '0.1.0' });
      const paths = Object.keys(response.body.paths);
      const expected = [
        '/auth/register', '/auth/login', '/auth/refresh', '/auth/logout', '/auth/me',
        '/teams', '/teams/{id}', '/teams/{id}/members', '/teams/{id}/members/{user_id}', '/teams/{id}/members/{user_id}/role',
        '/teams/{id}/language', '/teams/{id}/invitations',
        '/admin/users', '/admin/users/{id}', '/admin/users/{id}/role', '/admin/users/by-email/{email}/role', '/admin/create-user',
        '/admin/invitations/admin', '/admin/invitations', '/admin/invitations/{code}',
        '/health', '/health/ready', '/api', '/api/versions',
        '/projects', '/projects/{id}', '/projects/{id}/active-users', '/projects/{id}/resume-context',
        '/features', '/features/project/{project_id}', '/features/{id}', '/features/{id}/todos', '/features/{id}/elements',
        '/features/{id}/elements/{element_id}', '/features/{id}/calculate-progress', '/features/{id}/delete-preview',
        '/todos', '/todos/{id}', '/todos/{id}/status', '/todos/{id}/assign',
        '/elements', '/elements/project/{pid}/tree', '/elements/{id}', '/elements/{id}/delete-preview',
        '/elements/{id}/dependencies', '/elements/{id}/dependencies/{dep_id}',
        '/sessions', '/sessions/project/{pid}', '/sessions/{id}', '/sessions/{id}/end',
        '/documents', '/documents/project/{pid}', '/documents/{id}', '/documents/{id}/content',
        '/ideas', '/ideas/{id}', '/ideas/{id}/convert',
        '/mcp-keys', '/mcp-keys/current', '/mcp-keys/regenerate', '/mcp-keys/{id}', '/mcp-keys/{id}/revoke',
        '/search', '/audit/entity/{type}/{id}', '/audit/user/{uid}/created', '/audit/user/{uid}/updated',
      ];
      expect(paths).toEqual(expect.arrayContaining(expected));
      // Every documented operation says what it answers.
      for (const [path, operations] of Object.entries<Record<string, { responses?: object }>>(response.body.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          expect(Object.keys(operation.responses ?? {}).length, `${method} ${path}`).toBeGreaterThan(0);
        }
      }
      expect(paths.some((path) => path.startsWith('/v1/'))).toBe(false);
      const ui = await server.request('GET', '/docs/');
      expect(ui.status).toBe(200);
      expect(ui.text).toContain('swagger');
    });
  });

  describe('metrics', () => {
    it('exposes process, event-loop and HTTP metrics in Prometheus format', async () => {
      await server.request('GET', '/health');
      const response = await server.request('GET', '/metrics');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      expect(response.text).toContain('nodejs_eventloop_lag_p99_seconds');
      expect(response.text).toContain('process_resident_memory_bytes');
      expect(response.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/health",status="200"\} \d+/);
    });
  });
});

describe('metrics behind a token', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ METRICS_TOKEN: 'scrape-secret' });
  });
  afterAll(() => server.close());

  it('refuses a scrape without the token and serves one with it', async () => {
    expect((await server.request('GET', '/metrics')).status).toBe(401);
    const response = await server.request('GET', '/metrics', { headers: { authorization: 'Bearer scrape-secret' } });
    expect(response.status).toBe(200);
  });
});
