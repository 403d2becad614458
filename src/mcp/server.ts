import type { FastifyBaseLogger } from 'fastify';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { DomainError } from '../domain/errors.js';
import { registerPrompts } from './prompts.js';
import { registerResources } from './resources.js';
import type { McpCallContext, ToolDefinition, ToolProfile } from './tools/types.js';

export const MCP_SERVER_NAME = 'intracker-mcp-server';
export const MCP_SERVER_VERSION = '0.2.0';

const PROFILE_RANK: Record<ToolProfile, number> = { core: 0, standard: 1, all: 2 };

/** The tools a profile serves: its own and those of every smaller profile. */
export function toolsOfProfile(tools: readonly ToolDefinition[], profile: ToolProfile): ToolDefinition[] {
  return tools.filter((tool) => PROFILE_RANK[tool.profile] <= PROFILE_RANK[profile]);
}

const INSTRUCTIONS =
  'InTracker tracks projects, features and todos. Start every session with mcp_get_resume_context ' +
  '(find the project with mcp_identify_project_by_path or mcp_list_projects), take work with ' +
  'mcp_claim_next_todo, move todos new → in_progress → done with mcp_update_todo_status passing ' +
  'expectedVersion (every todo carries its version), and release what you will not finish.';

export interface McpServerOptions {
  tools: readonly ToolDefinition[];
  profile: ToolProfile;
  /** The caller, bound once for the whole MCP session (or the one stateless request). */
  context: McpCallContext;
  log: FastifyBaseLogger;
}

/**
 * An MCP server for one caller: the profile's tools, the resources and prompts, each validated by its zod schema
 * before the handler runs (unknown arguments refused), and every failure an agent can
 * act on returned as an `isError` result rather than a protocol error.
 */
export function buildMcpServer(options: McpServerOptions): McpServer {
  const server = new McpServer({ name: MCP_SERVER_NAME, version: MCP_SERVER_VERSION }, { instructions: INSTRUCTIONS });
  for (const tool of toolsOfProfile(options.tools, options.profile)) {
    server.registerTool(
      tool.name,
      {
        description: tool.description,
        inputSchema: z.object(tool.inputSchema).strict(),
        annotations: { destructiveHint: false, ...tool.annotations },
      },
      ((args: Record<string, unknown>) => runTool(tool, options.context, args, options.log)) as never,
    );
  }
  registerResources(server, options.context);
  registerPrompts(server, options.context);
  return server;
}

/** Compact JSON: results go straight into an agent's context window. */
export function jsonResult(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value ?? null) }] };
}

export function errorResult(message: string, extra: Record<string, unknown> = {}): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify({ error: message, ...extra }) }], isError: true };
}

export async function runTool(tool: ToolDefinition, ctx: McpCallContext, args: Record<string, unknown>, log: FastifyBaseLogger): Promise<CallToolResult> {
  if (ctx.readOnly && !tool.annotations.readOnlyHint) {
    return errorResult(`This API key is read-only: ${tool.name} changes data. Use a key without the read-only flag.`);
  }
  try {
    return jsonResult(await tool.handler(ctx, args));
  } catch (error) {
    return failureResult(tool, error, log);
  }
}

function failureResult(tool: ToolDefinition, error: unknown, log: FastifyBaseLogger): CallToolResult {
  if (error instanceof DomainError) {
    return errorResult(error.message, { status: error.status, ...error.extra });
  }
  if (error instanceof z.ZodError) {
    const problems = error.issues.map((issue) => `${issue.path.join('.') || 'arguments'}: ${issue.message}`);
    return errorResult(`Invalid arguments for ${tool.name}: ${problems.join('; ')}`);
  }
  log.error({ err: error, tool: tool.name }, 'MCP tool failed');
  return errorResult(`${tool.name} failed on the server; try again, and report it if it keeps failing`);
}
