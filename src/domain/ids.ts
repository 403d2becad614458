/**
 * The one id check of every surface: ids are UUIDs written 8-4-4-4-12 in hex, any
 * version (the database's and the old server's alike), either case. The HTTP schemas
 * use the same shape through their `uuid` format.
 */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}
