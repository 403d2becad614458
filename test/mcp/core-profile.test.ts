import { readFile } from 'node:fs/promises';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startServer } from '../helpers/server.js';
import { type McpWorld, callTool, connectMcp, mcpWorld } from './helpers.js';

/**
 * An agent on the `core` profile follows what the tools and docs/mcp.md tell it: every
 * tool they name must be one `core` serves (or the text must say which profile has it),
 * and the list must stay small enough to sit in every turn's context.
 */

const TOOL_NAME = /\bmcp_[a-z_]+[a-z]\b/g;
const CORE_TOKEN_BUDGET = 3_000;

/** The parts of docs/mcp.md a core agent is sent to: set-up (§2), the core bullet (§3) and the agent workflow (§5). */
function coreSectionsOf(doc: string): string {
  const between = (start: string, end: string) => {
    const from = doc.indexOf(start);
    expect(from, `docs/mcp.md has lost "${start}"`).toBeGreaterThanOrEqual(0);
    const to = doc.indexOf(end, from + start.length);
    return doc.slice(from, to === -1 ? undefined : to);
  };
  return [between('## 2. Set-up', '\n## 3.'), between('- **core**', '- **standard**'), between('## 5. The agent workflow', '\n## 6.')].join('\n');
}

describe('the core tool profile', () => {
  let server: TestServer;
  let world: McpWorld;
  const clients: Client[] = [];
  const served: Record<string, Set<string>> = {};
  let coreListJson = '';
  // What reaches the model: clients hand it each tool's name, description and input
  // schema (Anthropic's and OpenAI's tool formats have no output schema); the output
  // schema stays with the client, which validates structuredContent against it.
  let corePromptJson = '';
  let instructions = '';

  beforeAll(async () => {
    server = await startServer();
    world = await mcpWorld(server);
    for (const profile of ['core', 'standard', 'all']) {
      const client = await connectMcp(server, world.key, { tools: profile });
      clients.push(client);
      const { tools } = await client.listTools();
      served[profile] = new Set(tools.map((tool) => tool.name));
      if (profile === 'core') {
        coreListJson = JSON.stringify({ tools });
        corePromptJson = JSON.stringify({ tools: tools.map(({ outputSchema: _output, ...forModel }) => forModel) });
        instructions = client.getInstructions() ?? '';
      }
    }
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await server?.close();
  });

  it('serves every tool that its own tool descriptions, argument descriptions and the server instructions name', () => {
    const named = new Set([...coreListJson.matchAll(TOOL_NAME), ...instructions.matchAll(TOOL_NAME)].map((match) => match[0]));
    expect(named.size).toBeGreaterThan(5); // the scan finds the names at all
    const missing = [...named].filter((name) => !served.core!.has(name));
    expect(missing).toEqual([]);
  });

  it('serves every tool docs/mcp.md sends a core agent to, unless the doc says which profile holds it', async () => {
    const doc = await readFile(new URL('../../docs/mcp.md', import.meta.url), 'utf8');
    const text = coreSectionsOf(doc);
    const named = new Set([...text.matchAll(TOOL_NAME)].map((match) => match[0]));
    expect(named).toContain('mcp_update_feature_status');
    expect(named).toContain('mcp_verify_connection');
    const problems: string[] = [];
    for (const name of named) {
      if (served.core!.has(name)) continue;
      const marked = new RegExp(`\`${name}\` \\(\`(standard|all)\` profile\\)`).exec(text);
      if (!marked) problems.push(`${name} is not in core and the doc does not say where it is`);
      else if (!served[marked[1]!]!.has(name)) problems.push(`${name} is not in the ${marked[1]} profile the doc names`);
    }
    expect(problems).toEqual([]);
  });

  it('is listed in docs/mcp.md exactly as served', async () => {
    const doc = await readFile(new URL('../../docs/mcp.md', import.meta.url), 'utf8');
    const bullet = doc.slice(doc.indexOf('- **core**'), doc.indexOf('- **standard**'));
    const listed = new Set([...bullet.matchAll(TOOL_NAME)].map((match) => match[0]));
    expect([...listed].sort()).toEqual([...served.core!].sort());
  });

  it(`keeps the tool definitions an agent's model reads under ${CORE_TOKEN_BUDGET} tokens (characters / 4)`, () => {
    const tokens = Math.ceil(corePromptJson.length / 4);
    process.stdout.write(
      `core tools/list: ${served.core!.size} tools, ${corePromptJson.length} chars ≈ ${tokens} tokens for the model; ${coreListJson.length} chars with output schemas\n`,
    );
    expect(tokens).toBeLessThan(CORE_TOKEN_BUDGET);
  });

  it('still checks id arguments although their schemas no longer print the regex', async () => {
    const core = clients[0]!;
    const bad = await callTool(core, 'mcp_get_feature', { featureId: 'not-an-id' });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/featureId/);
    const verified = await callTool(core, 'mcp_verify_connection');
    expect(verified.isError).toBe(false);
    expect(verified.body).toMatchObject({ verified: true, user: { id: world.leader.id } });
  });
});
