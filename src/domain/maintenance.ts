import { lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { refreshTokens } from '../db/schema.js';

/**
 * Repeatable clean-up: refresh tokens past their expiry can never be used again (the
 * JWT itself has expired, so no reuse can be detected from them either), so their
 * rows only grow the table.
 */
export async function deleteExpiredRefreshTokens(db: Db): Promise<number> {
  const deleted = await db.delete(refreshTokens).where(lt(refreshTokens.expiresAt, sql`now()`)).returning({ id: refreshTokens.id });
  return deleted.length;
}
