/**
 * The one id check of every surface: ids are UUIDs written 8-4-4-4-12 in hex, any
 * version (the database's and the old server's alike), either case. The HTTP schemas
 * carry the same pattern (http/schemas/common.ts), the MCP tools build their id
 * arguments on it, and the hub and resources test it with `isUuid`.
 */
export const UUID_SOURCE = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

export const UUID_PATTERN = new RegExp(UUID_SOURCE);

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}
