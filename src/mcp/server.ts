import type { FastifyBaseLogger } from 'fastify';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { DomainError, isDataException } from '../domain/errors.js';
import type { McpToolOutcome, Metrics } from '../infra/metrics.js';
import { registerPrompts } from './prompts.js';
import { registerResources } from './resources.js';
import { ANY_OBJECT } from './tools/output.js';
import type { McpCallContext, McpContextSource, McpRequestInfo, ToolDefinition, ToolProfile } from './tools/types.js';

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

/**
 * Every tool with its SDK-facing schemas, built once per process: a stateless POST
 * builds a whole server, which must not rebuild sixty zod objects each time.
 */
export interface PreparedTool {
  tool: ToolDefinition;
  config: { description: string; inputSchema: z.ZodType; outputSchema: z.ZodType; annotations: ToolDefinition['annotations'] };
}

export function prepareTools(tools: readonly ToolDefinition[], metrics: ToolCallMetrics): readonly PreparedTool[] {
  return tools.map((tool) => ({
    tool,
    config: {
      description: tool.description,
      inputSchema: z
        .object(tool.inputSchema)
        .strict()
        // Not a rule: the SDK validates arguments before any code of ours runs, so
        // this hook (which never refines anything) is where a refused call is counted.
        .refine(() => true, {
          when: (payload) => {
            if (payload.issues.length > 0) metrics.mcpToolCalls.inc({ tool: tool.name, outcome: 'invalid_input' });
            return false;
          },
        })
        // No `$schema` line in every tool of tools/list: clients assume JSON Schema anyway.
        .meta({ $schema: undefined }),
      // Every tool declares one, so every client gets structured results alike.
      outputSchema: tool.outputSchema ?? ANY_OBJECT,
      annotations: { destructiveHint: false, ...tool.annotations },
    },
  }));
}

export interface McpServerOptions {
  /** `prepareTools` of the process's tools, made once. */
  tools: readonly PreparedTool[];
  profile: ToolProfile;
  /** The caller of each call, built from that call's own request (never frozen for the session). */
  contextOf: McpContextSource;
  log: FastifyBaseLogger;
  /** Where every call's outcome and duration is counted (the app's /metrics). */
  metrics: ToolCallMetrics;
}

export type ToolCallMetrics = Pick<Metrics, 'mcpToolCalls' | 'mcpToolDuration'>;

/**
 * An MCP server for one caller: the profile's tools, the resources and prompts, each validated by its zod schema
 * before the handler runs (unknown arguments refused), and every failure an agent can
 * act on returned as an `isError` result rather than a protocol error.
 */
export function buildMcpServer(options: McpServerOptions): McpServer {
  const server = new McpServer({ name: MCP_SERVER_NAME, version: MCP_SERVER_VERSION }, { instructions: INSTRUCTIONS });
  for (const { tool, config } of options.tools) {
    if (PROFILE_RANK[tool.profile] > PROFILE_RANK[options.profile]) continue;
    server.registerTool(
      tool.name,
      config as never,
      ((args: Record<string, unknown>, request: McpRequestInfo) => runTool(tool, options.contextOf, request, args, options.log, options.metrics)) as never,
    );
  }
  registerResources(server, options.contextOf);
  registerPrompts(server, options.contextOf);
  return server;
}

/**
 * Compact JSON (results go straight into an agent's context window), twice over: as `structuredContent` for clients that read the
 * output schema, and as the same JSON in `content` for older ones. The structured
 * copy is the text parsed back, so dates are the same ISO strings and both are equal.
 */
export function structuredResult(value: unknown): CallToolResult {
  const text = JSON.stringify(value ?? null);
  const parsed: unknown = JSON.parse(text);
  // structuredContent must be an object; a tool answering anything else is a bug here.
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TypeError('A tool result must be a JSON object');
  return { content: [{ type: 'text', text }], structuredContent: parsed as Record<string, unknown> };
}

export function errorResult(message: string, extra: Record<string, unknown> = {}): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify({ error: message, ...extra }) }], isError: true };
}

/** Every tool call that passed the SDK's argument validation runs, is timed and counted here. */
export async function runTool(
  tool: ToolDefinition,
  contextOf: McpContextSource,
  request: McpRequestInfo,
  args: Record<string, unknown>,
  log: FastifyBaseLogger,
  metrics: ToolCallMetrics,
): Promise<CallToolResult> {
  const started = process.hrtime.bigint();
  const { result, outcome } = await outcomeOf(tool, contextOf, request, args, log);
  const labels = { tool: tool.name, outcome };
  metrics.mcpToolCalls.inc(labels);
  metrics.mcpToolDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
  return result;
}

async function outcomeOf(
  tool: ToolDefinition,
  contextOf: McpContextSource,
  request: McpRequestInfo,
  args: Record<string, unknown>,
  log: FastifyBaseLogger,
): Promise<{ result: CallToolResult; outcome: McpToolOutcome }> {
  try {
    // The key's scope (bound project, read-only) travels in the context and is
    // enforced by domain/access.ts, as for every other surface.
    const ctx: McpCallContext = await contextOf(request);
    return { result: structuredResult(await tool.handler(ctx, args)), outcome: 'ok' };
  } catch (error) {
    return failureResult(tool, error, log);
  }
}

function failureResult(tool: ToolDefinition, error: unknown, log: FastifyBaseLogger): { result: CallToolResult; outcome: McpToolOutcome } {
  if (error instanceof DomainError) {
    // A rule said no (not found, forbidden, a workflow move): the call ran and failed.
    return { result: errorResult(error.message, { status: error.status, ...error.extra }), outcome: 'error' };
  }
  if (error instanceof z.ZodError) {
    const problems = error.issues.map((issue) => `${issue.path.join('.') || 'arguments'}: ${issue.message}`);
    return { result: errorResult(`Invalid arguments for ${tool.name}: ${problems.join('; ')}`), outcome: 'invalid_input' };
  }
  if (isDataException(error)) {
    // The database refused a value the schema let through (NUL in text, a number past
    // its column): the agent's input, so a message it can act on, not a server failure.
    const result = errorResult(`A value is out of range or not valid for its field (text must not contain NUL characters): fix the arguments of ${tool.name}`, { status: 400 });
    return { result, outcome: 'invalid_input' };
  }
  log.error({ err: error, tool: tool.name }, 'MCP tool failed');
  return { result: errorResult(`${tool.name} failed on the server; try again, and report it if it keeps failing`), outcome: 'error' };
}
