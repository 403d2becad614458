import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';
import { type McpWorld, connectMcp, createMcpKey, mcpWorld, ok } from './helpers.js';

let server: TestServer;
let world: McpWorld;
let agents: Client[] = [];

beforeAll(async () => {
  server = await startServer();
  world = await mcpWorld(server);
  // Four agents of two users, each with its own MCP session.
  const colleague = await registerTeamMember(server, world.leader, world.team.id);
  const colleagueKey = await createMcpKey(server, colleague);
  agents = await Promise.all([
    connectMcp(server, world.key),
    connectMcp(server, world.key, { kind: 'sse' }),
    connectMcp(server, colleagueKey),
    connectMcp(server, colleagueKey, { kind: 'sse' }),
  ]);
});

afterAll(async () => {
  await Promise.allSettled(agents.map((agent) => agent.close()));
  await server?.close();
});

async function projectWithTodos(count: number): Promise<{ projectId: string; todoIds: string[] }> {
  const agent = agents[0]!;
  const project = await ok(agent, 'mcp_create_project', { name: unique('race-'), teamId: world.team.id });
  const todoIds: string[] = [];
  for (let index = 0; index < count; index += 1) {
    todoIds.push((await ok(agent, 'mcp_create_todo', { projectId: project.id, title: `race ${index}` })).id);
  }
  return { projectId: project.id, todoIds };
}

async function claimInParallel(projectId: string, claims: number): Promise<{ claimed: string[]; noneLeft: number }> {
  const answers = await Promise.all(
    Array.from({ length: claims }, (_, index) => ok(agents[index % agents.length]!, 'mcp_claim_next_todo', { projectId })),
  );
  return {
    claimed: answers.filter((answer) => answer.claimed).map((answer) => answer.todo.id as string),
    noneLeft: answers.filter((answer) => !answer.claimed).length,
  };
}

describe('mcp_claim_next_todo under contention', () => {
  it('gives 20 parallel claims 20 distinct todos', async () => {
    const { projectId, todoIds } = await projectWithTodos(22);
    const { claimed, noneLeft } = await claimInParallel(projectId, 20);
    expect(noneLeft).toBe(0);
    expect(claimed).toHaveLength(20);
    expect(new Set(claimed).size).toBe(20);
    for (const id of claimed) expect(todoIds).toContain(id);
  });

  it('answers "none left" once every todo is claimed, never the same todo twice', async () => {
    const { projectId } = await projectWithTodos(12);
    const { claimed, noneLeft } = await claimInParallel(projectId, 20);
    expect(claimed).toHaveLength(12);
    expect(new Set(claimed).size).toBe(12);
    expect(noneLeft).toBe(8);
  });
});
