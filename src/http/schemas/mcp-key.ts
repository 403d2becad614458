import { type Static, Type } from '@sinclair/typebox';
import { MAX_EXPIRES_IN_DAYS, MCP_TOOL_PROFILES } from '../../domain/mcpKeys/rules.js';
import type { McpKeyRow } from '../../domain/mcpKeys/service.js';
import { Nullable, OptionalBody, PaginationQuery, StringEnum, Timestamp, Uuid } from './common.js';

/** reference/rest-api.md §1.12 McpKey, plus the key's scope (project, read-only, tool profile). */
export const McpKey = Type.Object({
  id: Uuid,
  user_id: Uuid,
  name: Nullable(Type.String()),
  project_id: Nullable(Uuid),
  read_only: Type.Boolean(),
  tool_profile: Nullable(Type.String({ description: 'core | standard | all; null means the server default (standard)' })),
  last_used_at: Nullable(Timestamp),
  expires_at: Nullable(Timestamp),
  is_active: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const CreateMcpKeyBody = OptionalBody(
  Type.Object({
    name: Type.Optional(Type.String({ maxLength: 255 })),
    expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_EXPIRES_IN_DAYS })),
    project_id: Type.Optional(Uuid),
    read_only: Type.Optional(Type.Boolean()),
    tool_profile: Type.Optional(StringEnum(MCP_TOOL_PROFILES)),
  }),
);

export const CreatedMcpKey = Type.Object({
  key: McpKey,
  plain_text_key: Type.String({ description: 'The key itself: shown this once, only its hash is stored' }),
});

export const McpKeyListQuery = Type.Object({
  ...PaginationQuery.properties,
  include_inactive: Type.Optional(Type.Boolean({ default: false })),
});

export function presentMcpKey(key: McpKeyRow): Static<typeof McpKey> {
  return {
    id: key.id,
    user_id: key.userId,
    name: key.name,
    project_id: key.projectId,
    read_only: key.readOnly,
    tool_profile: key.toolProfile,
    last_used_at: key.lastUsedAt,
    expires_at: key.expiresAt,
    is_active: key.isActive,
    created_at: key.createdAt,
    updated_at: key.updatedAt,
  };
}
