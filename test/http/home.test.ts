import { request as httpGet } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRONG_PASSWORD } from '../helpers/actors.js';
import { type TestServer, startServer } from '../helpers/server.js';

/** The page at `/`: plain HTML, no script, this server's URL filled in and escaped. */

/** GET with a Host header of our choosing (fetch does not let a caller set Host). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, { headers: { host } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

function postForm(server: TestServer, fields: Record<string, string>): Promise<Response> {
  return fetch(`${server.url}/`, { method: 'POST', body: new URLSearchParams(fields) });
}

describe('the page at / on an installation with an admin', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('says what the server is, its health, links the API docs and fills its own URL into the MCP set-up', async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('<h1>InTracker</h1>');
    expect(html).toContain('Database: <span class="ok">ok</span>');
    expect(html).toContain('<a href="/docs">/docs</a>');
    expect(html).toContain('<a href="/openapi.json">/openapi.json</a>');
    expect(html).toContain(`"url": "${server.url}/mcp/sse"`);
    expect(html).toContain(`claude mcp add --transport http intracker ${server.url}/mcp`);
    expect(html).not.toContain('<script');
    expect(html).not.toContain('name="invitation_code"'); // an admin exists: no register form
  });

  it('escapes a Host header that carries markup', async () => {
    const page = await getWithHost(`${server.url}/`, 'evil.test"><script>alert(1)</script>');
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('<script>');
    expect(page.body).toContain('evil.test&quot;&gt;&lt;script&gt;');
  });

  it('refuses the register form once an admin exists', async () => {
    const response = await postForm(server, { invitation_code: 'anything', email: 'late@example.test', password: STRONG_PASSWORD });
    expect(response.status).toBe(409);
    expect(await response.text()).toContain('An admin exists already');
  });
});

describe('the page at / with a configured public URL', () => {
  it('uses BACKEND_URL rather than the Host header', async () => {
    const server = await startServer({ BACKEND_URL: 'https://tracker.example.com/' });
    try {
      const page = await getWithHost(`${server.url}/`, 'internal-host:1234');
      expect(page.body).toContain('claude mcp add --transport http intracker https://tracker.example.com/mcp');
      expect(page.body).not.toContain('internal-host');
    } finally {
      await server.close();
    }
  });
});

describe('the page at / before the first admin exists', () => {
  let server: TestServer;
  let code: string;
  beforeAll(async () => {
    // Its own empty database on both stacks: the shared one has admins already.
    server = await startServer({ DATABASE_URL: 'memory://', INTRACKER_ADMIN_EMAIL: undefined, INTRACKER_ADMIN_PASSWORD: undefined });
    if (server.app.firstStart.kind !== 'invitation') throw new Error('expected a first-start invitation');
    code = server.app.firstStart.invitation.code;
  });
  afterAll(() => server.close());

  it('shows the register form, with ?code= filled in and escaped', async () => {
    const html = await (await fetch(`${server.url}/?code=${encodeURIComponent('"><b>x')}`)).text();
    expect(html).toContain('<form method="post" action="/">');
    expect(html).toContain('value="&quot;&gt;&lt;b&gt;x"');
    expect(html).not.toContain('"><b>x');
  });

  it('answers a wrong code, a bad email and a weak password with the reason, keeping what was typed', async () => {
    const wrong = await postForm(server, { invitation_code: 'not-the-code', email: 'first@example.test', password: STRONG_PASSWORD });
    expect(wrong.status).toBe(400);
    const wrongHtml = await wrong.text();
    expect(wrongHtml).toContain('class="notice error"');
    expect(wrongHtml).toContain('Invalid invitation code');
    expect(wrongHtml).toContain('value="first@example.test"');
    expect(wrongHtml).not.toContain(STRONG_PASSWORD);

    const badEmail = await postForm(server, { invitation_code: code, email: 'nope', password: STRONG_PASSWORD });
    expect(badEmail.status).toBe(400);
    expect(await badEmail.text()).toContain('Enter a valid email address.');

    const weak = await postForm(server, { invitation_code: code, email: 'first@example.test', password: 'weak' });
    expect(weak.status).toBe(400);
    expect(await weak.text()).toContain('Password must contain');

    const empty = await fetch(`${server.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(empty.status).toBe(400);
  });

  it('registers the first admin from the form; the form is gone afterwards and the code is used up', async () => {
    const registered = await postForm(server, { invitation_code: code, email: 'First@Example.test', name: 'First <Admin>', password: STRONG_PASSWORD });
    expect(registered.status).toBe(201);
    const html = await registered.text();
    expect(html).toContain('Registered first@example.test as the admin.');
    expect(html).not.toContain('name="invitation_code"');

    const login = await server.request('POST', '/auth/login', { body: { email: 'first@example.test', password: STRONG_PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({ role: 'admin', name: 'First <Admin>' });

    const again = await postForm(server, { invitation_code: code, email: 'second@example.test', password: STRONG_PASSWORD });
    expect(again.status).toBe(409);
    expect(await (await fetch(`${server.url}/`)).text()).not.toContain('name="invitation_code"');
  });
});
