/**
 * The token of an `Authorization: Bearer <token>` header, the one parser for REST,
 * the hub's upgrade and MCP: case-insensitive scheme, one token, surrounding
 * whitespace ignored. Undefined for anything else (no header, another scheme, junk).
 */
export function bearerToken(header: string | readonly string[] | undefined): string | undefined {
  const value = typeof header === 'string' ? header : header?.[0];
  if (!value) return undefined;
  return /^\s*Bearer\s+(\S+)\s*$/i.exec(value)?.[1];
}
