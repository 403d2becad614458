import { spawn } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startServer } from '../helpers/server.js';
import { type McpWorld, callTool, mcpWorld, ok } from './helpers.js';

/**
 * `intracker mcp` as an agent runs it: a child process spoken to over stdio by the
 * SDK's own client, in both modes (bridge to a server's /mcp, and direct on a data dir).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The built `intracker mcp` (package.json's bin); the global setup builds it when stale. */
const ARGS = [join(ROOT, 'dist/main.js'), 'mcp'];

/** The child's environment: no Redis, and logs at `info` to prove they stay off stdout. */
function childEnv(overrides: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    REDIS_URL: '',
    DATABASE_URL: '',
    JWT_SECRET: 'test-access-secret-that-is-long-enough-0123456789',
    JWT_REFRESH_SECRET: 'test-refresh-secret-that-is-long-enough-0123456789',
    ...overrides,
  };
}

interface StdioConnection {
  client: Client;
  /** Anything the client could not parse as JSON-RPC (would mean stdout was polluted). */
  errors: Error[];
  stderr: () => string;
}

async function connectStdio(env: Record<string, string>): Promise<StdioConnection> {
  const transport = new StdioClientTransport({ command: process.execPath, args: ARGS, cwd: ROOT, env: childEnv(env), stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: 'intracker-stdio-test', version: '1.0.0' });
  const errors: Error[] = [];
  client.onerror = (error) => errors.push(error);
  await client.connect(transport);
  return { client, errors, stderr: () => stderr };
}

/** Runs `intracker mcp` to its exit with stdin closed; answers its code and output. */
function runToExit(env: Record<string, string>, cwd = ROOT): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Absolute paths, so the command runs the same from any folder (as the `intracker` bin does).
  const args = ARGS;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...childEnv(env) } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`intracker mcp did not exit; stderr: ${stderr}`));
    }, 25_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end();
  });
}

describe('intracker mcp (stdio) bridging to a server', () => {
  let server: TestServer;
  let world: McpWorld;

  beforeAll(async () => {
    server = await startServer();
    world = await mcpWorld(server);
  });
  afterAll(async () => {
    await server.close();
  });

  it('lists the tools and calls them through the server with the key of INTRACKER_API_KEY', async () => {
    const { client, errors, stderr } = await connectStdio({ INTRACKER_URL: server.url, INTRACKER_API_KEY: world.key });
    try {
      const tools = (await client.listTools()).tools.map((tool) => tool.name);
      expect(tools).toContain('mcp_list_projects');
      expect(tools).toContain('mcp_claim_next_todo');
      const listed = await ok(client, 'mcp_list_projects');
      expect(listed.projects.map((project: { id: string }) => project.id)).toEqual([world.projectId]);
      // Several calls over the one session, and an isError result passes through as it is.
      const missing = await callTool(client, 'mcp_get_project_context', { projectId: '00000000-0000-4000-8000-000000000000' });
      expect(missing.isError).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await client.close();
    }
    expect(stderr()).not.toContain(world.key);
  });

  it('serves the profile of INTRACKER_MCP_TOOLS', async () => {
    const { client } = await connectStdio({ INTRACKER_URL: `${server.url}/mcp`, INTRACKER_API_KEY: world.key, INTRACKER_MCP_TOOLS: 'core' });
    try {
      const core = (await client.listTools()).tools.map((tool) => tool.name);
      expect(core).toContain('mcp_list_projects');
      expect(core).not.toContain('mcp_create_project');
    } finally {
      await client.close();
    }
  });

  it('exits 1 with a message on stderr, and nothing on stdout, for a missing or refused key', async () => {
    const missing = await runToExit({ INTRACKER_URL: server.url });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/INTRACKER_API_KEY is not set/);
    expect(missing.stdout).toBe('');

    const refused = await runToExit({ INTRACKER_URL: server.url, INTRACKER_API_KEY: 'intracker_mcp_not-a-real-key-0123456789abcdef' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/INTRACKER_API_KEY was refused/);
    expect(refused.stdout).toBe('');
  });
});

describe('intracker mcp (stdio) on the database directly (PGlite data dir)', () => {
  let dataDir: string;
  let key: string;
  let projectId: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'intracker-stdio-'));
    // The key lives in the database: make it through a server on the same data dir, then stop that server.
    const server = await startServer({ DATABASE_URL: '', DATA_DIR: dataDir });
    try {
      const world = await mcpWorld(server);
      key = world.key;
      projectId = world.projectId;
    } finally {
      await server.close();
    }
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('authenticates INTRACKER_API_KEY against the database and serves the tools', async () => {
    const { client, errors, stderr } = await connectStdio({ DATA_DIR: dataDir, INTRACKER_API_KEY: key });
    try {
      const tools = (await client.listTools()).tools.map((tool) => tool.name);
      expect(tools).toContain('mcp_list_projects');
      const listed = await ok(client, 'mcp_list_projects');
      expect(listed.projects.map((project: { id: string }) => project.id)).toEqual([projectId]);
      const todo = await ok(client, 'mcp_get_project_context', { projectId });
      expect(todo.project).toMatchObject({ id: projectId });
      expect(errors).toEqual([]);
    } finally {
      await client.close();
    }
    expect(stderr()).not.toContain(key);
  });

  it('exits 1 with a clear message for an unknown key', async () => {
    const result = await runToExit({ DATA_DIR: dataDir, INTRACKER_API_KEY: 'intracker_mcp_not-a-real-key-0123456789abcdef' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/INTRACKER_API_KEY is invalid, revoked or expired/);
    expect(result.stderr).toContain(join(dataDir, 'pglite'));
    expect(result.stdout).toBe('');
  });

  it('names the data dir and makes no database when DATA_DIR points where none is', async () => {
    const missing = join(dataDir, 'not-here');
    const result = await runToExit({ DATA_DIR: missing, INTRACKER_API_KEY: key });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no InTracker database in ${join(missing, 'pglite')}`);
    await expect(access(missing)).rejects.toThrow();
  });

  it('started from another folder without DATA_DIR, looks in the installation data dir, not ./data', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'intracker-elsewhere-'));
    try {
      const result = await runToExit({ INTRACKER_API_KEY: 'intracker_mcp_not-a-real-key-0123456789abcdef' }, elsewhere);
      expect(result.code).toBe(1);
      // Whether the checkout has a database yet or not, the message names its data dir.
      expect(result.stderr).toContain(join(ROOT, 'data', 'pglite'));
      await expect(access(join(elsewhere, 'data'))).rejects.toThrow();
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('works through the database of a server that holds the data dir', async () => {
    const server = await startServer({ DATABASE_URL: '', DATA_DIR: dataDir });
    try {
      const { client, errors } = await connectStdio({ DATA_DIR: dataDir, INTRACKER_API_KEY: key });
      try {
        const listed = await ok(client, 'mcp_list_projects');
        expect(listed.projects.map((project: { id: string }) => project.id)).toEqual([projectId]);
        expect(errors).toEqual([]);
      } finally {
        await client.close();
      }
      // The server still answers from the same database after the agent left.
      expect((await server.request('GET', '/health/ready')).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
