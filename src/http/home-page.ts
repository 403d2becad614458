/**
 * The HTML page served at `/`: plain server-rendered markup with no script, so it
 * works in any browser (and curl) without a build step. Every value that comes from a
 * request or the database goes through `escapeHtml` — the base URL may come from the
 * request's Host header, which the client controls.
 */

import { escapeHtml } from '../infra/html.js';


export interface HomePageInput {
  /** This server's address as a client reaches it, without a trailing slash. */
  baseUrl: string;
  version: string;
  health: { database: string; redis: string };
  /** Present while no admin exists: the register form is shown. */
  register?: { code?: string | undefined; email?: string | undefined; name?: string | undefined } | undefined;
  /** The outcome of a POSTed register form. */
  notice?: { kind: 'success' | 'error'; message: string } | undefined;
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
code,pre{font:14px/1.4 ui-monospace,monospace;background:#f3f4f6;border-radius:4px}
pre{padding:.75rem;overflow-x:auto}code{padding:0 .2rem}
.ok{color:#116329}.bad{color:#b42318}
.notice{padding:.75rem;border-radius:4px;margin:1rem 0}
.notice.success{background:#dafbe1}.notice.error{background:#ffebe9}
form{display:grid;gap:.5rem;max-width:24rem}input{font:inherit;padding:.3rem}
button{font:inherit;padding:.4rem;cursor:pointer}`;

function status(value: string): string {
  const good = value === 'ok' || value === 'not configured';
  return `<span class="${good ? 'ok' : 'bad'}">${escapeHtml(value)}</span>`;
}

function registerSection(input: NonNullable<HomePageInput['register']>): string {
  const value = (text: string | undefined) => (text ? ` value="${escapeHtml(text)}"` : '');
  return `<section id="register">
<h2>Register the first admin</h2>
<p>No admin exists yet. Enter the one-time admin code that <code>intracker serve</code> printed when it started
(or run <code>intracker create-admin --email … --password …</code> on the server instead).</p>
<form method="post" action="/">
<label>One-time admin code<br><input name="invitation_code" required autocomplete="off"${value(input.code)}></label>
<label>Email<br><input name="email" type="email" required autocomplete="email"${value(input.email)}></label>
<label>Name (optional)<br><input name="name" autocomplete="name"${value(input.name)}></label>
<label>Password<br><input name="password" type="password" required autocomplete="new-password"></label>
<small>At least 8 characters with an uppercase and a lowercase letter, a number and a special character.</small>
<button type="submit">Register as admin</button>
</form>
</section>`;
}

function mcpSection(baseUrl: string): string {
  const url = escapeHtml(baseUrl);
  return `<section id="mcp">
<h2>Connect a coding agent (MCP)</h2>
<p>Create an MCP key first (<code>POST ${url}/mcp-keys</code> with your login token); it is shown once.
Replace <code>intracker_mcp_…</code> below with it.</p>
<h3>Cursor</h3>
<p><code>~/.cursor/mcp.json</code> (or <code>.cursor/mcp.json</code> in the repository):</p>
<pre>{
  "mcpServers": {
    "intracker": {
      "url": "${url}/mcp/sse",
      "headers": { "X-API-Key": "intracker_mcp_…" }
    }
  }
}</pre>
<h3>Claude Code</h3>
<pre>claude mcp add --transport http intracker ${url}/mcp \\
  --header "X-API-Key: intracker_mcp_…"</pre>
<p>Add <code>?tools=core</code> to the URL for the smallest tool list. More in <code>docs/mcp.md</code>.</p>
</section>`;
}

export function renderHomePage(input: HomePageInput): string {
  const url = escapeHtml(input.baseUrl);
  const notice = input.notice
    ? `<p class="notice ${input.notice.kind}" role="${input.notice.kind === 'error' ? 'alert' : 'status'}">${escapeHtml(input.notice.message)}</p>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>InTracker</title>
<style>${STYLE}</style>
</head>
<body>
<h1>InTracker</h1>
<p>An AI-first project tracker backend: a REST API, a live board over SignalR and an MCP server for coding agents.
This is server <code>${url}</code>, version ${escapeHtml(input.version)}.</p>
${notice}
<section id="health">
<h2>Health</h2>
<ul>
<li>Database: ${status(input.health.database)}</li>
<li>Redis: ${status(input.health.redis)}</li>
</ul>
<p><a href="/health">/health</a> · <a href="/health/ready">/health/ready</a></p>
</section>
<section id="api">
<h2>API</h2>
<ul>
<li><a href="/docs">/docs</a>: interactive API reference</li>
<li><a href="/openapi.json">/openapi.json</a>: the OpenAPI document</li>
</ul>
<p>Every API route is also served under <code>/v1</code>.</p>
</section>
${input.register ? registerSection(input.register) : ''}
${mcpSection(input.baseUrl)}
</body>
</html>
`;
}
