import type { FastifyRequest } from 'fastify';
import type { AppServices } from '../services.js';
import { type VerifiedMcpKey, verifyMcpKey } from '../domain/mcpKeys/service.js';
import type { McpCallContext, ToolProfile } from './tools/types.js';

/**
 * Who an MCP request acts as: the user behind an MCP API key, sent as `X-API-Key`
 * (what existing Cursor configs send) or `Authorization: Bearer intracker_mcp_…`.
 * The identity is resolved per request and bound to the MCP session it opens; it is
 * never kept anywhere else (the reference kept it in a module global).
 */

export interface McpIdentity {
  key: VerifiedMcpKey;
  /** The tool profile this connection serves. */
  profile: ToolProfile;
  /** Key scope, else the X-Project-Id header: the one project tools may touch. */
  boundProjectId: string | undefined;
}

export class McpAuthError extends Error {
  constructor(
    readonly status: 400 | 401 | 403,
    readonly detail: string,
  ) {
    super(detail);
  }
}

const PROFILES: readonly ToolProfile[] = ['core', 'standard', 'all'];
export const DEFAULT_PROFILE: ToolProfile = 'standard';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  const trimmed = first?.trim();
  return trimmed ? trimmed : undefined;
}

/** The plaintext key of the request, from either header; undefined when none was sent. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const apiKey = headerValue(request, 'x-api-key');
  if (apiKey) return apiKey;
  const authorization = headerValue(request, 'authorization');
  const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
  return match?.[1];
}

/**
 * The profile asked for: `?tools=` on the URL, else the `X-MCP-Tools` header, else the
 * key's own setting, else `standard`. The request wins over the key because the URL
 * and headers are what the person configuring the client chose for that client.
 */
export function chooseProfile(request: FastifyRequest, keyProfile: ToolProfile | null): ToolProfile {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const asked = (typeof query.tools === 'string' ? query.tools : undefined) ?? headerValue(request, 'x-mcp-tools');
  if (asked === undefined) return keyProfile ?? DEFAULT_PROFILE;
  const profile = asked.toLowerCase() as ToolProfile;
  if (!PROFILES.includes(profile)) throw new McpAuthError(400, `Unknown tool profile '${asked}': use one of ${PROFILES.join(', ')}`);
  return profile;
}

/** Verifies the request's key and works out what the connection may do. */
export async function authenticateMcp(request: FastifyRequest, services: AppServices): Promise<McpIdentity> {
  const plaintext = presentedKey(request);
  if (!plaintext) throw new McpAuthError(401, 'Missing API key');
  const key = await verifyMcpKey(services.database.db, plaintext);
  if (!key) throw new McpAuthError(401, 'Invalid API key');
  const headerProject = headerValue(request, 'x-project-id');
  if (headerProject !== undefined && !UUID.test(headerProject)) throw new McpAuthError(400, 'X-Project-Id must be a project UUID');
  if (key.projectId && headerProject && headerProject.toLowerCase() !== key.projectId) {
    throw new McpAuthError(403, 'This API key is scoped to another project than X-Project-Id names');
  }
  return { key, profile: chooseProfile(request, key.toolProfile), boundProjectId: key.projectId ?? headerProject?.toLowerCase() };
}

/** The service context every tool call of this identity runs with. */
export function callContext(identity: McpIdentity, services: AppServices): McpCallContext {
  return {
    ...services.contextFor(identity.key.actor),
    boundProjectId: identity.boundProjectId,
    readOnly: identity.key.readOnly,
  };
}
