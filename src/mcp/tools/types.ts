import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { ZodRawShape, z } from 'zod';
import type { ServiceContext } from '../../domain/context.js';

/** Tool profiles (DECISIONS.md "MCP"): `core` ⊂ `standard` ⊂ `all`. */
export type ToolProfile = 'core' | 'standard' | 'all';

/**
 * What a tool handler knows about its caller: the service context of this one call,
 * built from the verified key as it is now, with the key's scope (bound project,
 * read-only) that domain/access.ts enforces.
 */
export type McpCallContext = ServiceContext;

/** What the SDK passes every handler about its request that a context is built from. */
export interface McpRequestInfo {
  authInfo?: AuthInfo | undefined;
}

/** Builds the context of one call (tool, resource or prompt) from its request. */
export type McpContextSource = (request: McpRequestInfo) => Promise<McpCallContext>;

/**
 * One MCP tool: a declaration the server registers plus a call into `domain/`.
 * Handlers return a JSON object; the server answers it as `structuredContent`,
 * checked against `outputSchema`, with the same JSON as compact text beside it for
 * clients that read only `content`, and turns thrown DomainErrors into
 * `isError: true` results with the message.
 */
export interface ToolDefinition<Shape extends ZodRawShape = ZodRawShape> {
  name: string;
  /** Written for the model: when to use it, what comes back. */
  description: string;
  /** The smallest profile that includes this tool. */
  profile: ToolProfile;
  inputSchema: Shape;
  annotations: { readOnlyHint: boolean; destructiveHint?: boolean; idempotentHint?: boolean };
  /** What a successful result looks like (mcp/tools/output.ts); without one, any JSON object. */
  outputSchema?: z.ZodObject | undefined;
  handler(ctx: McpCallContext, args: z.infer<z.ZodObject<Shape>>): Promise<unknown>;
}

/** Keeps each tool's handler typed by its own schema inside a mixed array. */
export function defineTool<Shape extends ZodRawShape>(tool: ToolDefinition<Shape>): ToolDefinition {
  return tool as unknown as ToolDefinition;
}
