import type { FastifyRequest } from 'fastify';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { AppServices } from '../services.js';
import { Unauthenticated } from '../domain/errors.js';
import { isUuid } from '../domain/ids.js';
import { type VerifiedMcpKey, verifyMcpKey } from '../domain/mcpKeys/service.js';
import { bearerToken } from '../infra/bearer.js';
import type { McpCallContext, McpContextSource, ToolProfile } from './tools/types.js';

/**
 * Who an MCP request acts as: the user behind an MCP API key, sent as `X-API-Key`
 * (what existing Cursor configs send) or `Authorization: Bearer intracker_mcp_…`.
 * The identity is resolved on every HTTP request, handed to the SDK as that request's
 * `authInfo`, and each tool, resource and prompt call builds its context from it: an
 * open session acts as its key and user are now, never as they were when it opened
 * (the reference kept the identity in a module global).
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
  return bearerToken(request.headers.authorization);
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
  const key = await verifyMcpKey(services.database.db, services.memo, plaintext);
  if (!key) throw new McpAuthError(401, 'Invalid API key');
  const headerProject = headerValue(request, 'x-project-id');
  if (headerProject !== undefined && !isUuid(headerProject)) throw new McpAuthError(400, 'X-Project-Id must be a project UUID');
  if (key.projectId && headerProject && headerProject.toLowerCase() !== key.projectId) {
    throw new McpAuthError(403, 'This API key is scoped to another project than X-Project-Id names');
  }
  return { key, profile: chooseProfile(request, key.toolProfile), boundProjectId: key.projectId ?? headerProject?.toLowerCase() };
}

/** The service context a call of this identity runs with: the key's user, within the key's scope. */
export function callContext(identity: McpIdentity, services: AppServices): McpCallContext {
  return services.contextFor(identity.key.actor, { projectId: identity.boundProjectId, readOnly: identity.key.readOnly });
}

/** What a transport hands the SDK for one request, so its handlers can tell who sent it. */
export function authInfoOf(identity: McpIdentity): AuthInfo {
  return { token: identity.key.keyId, clientId: identity.key.keyId, scopes: [], extra: { identity } };
}

/**
 * The context of each MCP call, from the identity its own HTTP request verified
 * (`authInfo`, set by the transport). A call without one is refused.
 */
export function requestContexts(services: AppServices): McpContextSource {
  return async (extra) => {
    const identity = extra.authInfo?.extra?.identity as McpIdentity | undefined;
    if (!identity) throw new Unauthenticated('This MCP request carries no verified API key');
    return callContext(identity, services);
  };
}
