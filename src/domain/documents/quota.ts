import { and, eq, ne, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { documents } from '../../db/schema.js';
import type { ServiceContext } from '../context.js';
import { TooLarge } from '../errors.js';
import { lockProjectWork } from '../projects/lock.js';

/**
 * The per-project document quota (DOCUMENT_QUOTA_BYTES): the UTF-8 bytes of every
 * document's content in one project, the new or changed one counted as it would be.
 * Called inside the write's transaction after locking the project row, so two writers
 * racing for the last free bytes are counted one after the other. `replacing` is the
 * document being rewritten, whose old content stops counting.
 */
export async function requireWithinDocumentQuota(
  ctx: ServiceContext,
  tx: Tx,
  projectId: string,
  content: string,
  replacing?: string,
): Promise<void> {
  const quota = ctx.limits.documentQuotaBytes;
  if (quota === 0) return;
  const adding = Buffer.byteLength(content, 'utf8');
  if (adding > quota) throw tooLarge(quota, adding);
  await lockProjectWork(tx, projectId);
  const [row] = await tx
    .select({ used: sql<string>`coalesce(sum(octet_length(${documents.content})), 0)` })
    .from(documents)
    .where(and(eq(documents.projectId, projectId), replacing ? ne(documents.id, replacing) : undefined));
  const used = Number(row?.used ?? 0);
  if (used + adding > quota) throw tooLarge(quota, adding, used);
}

function tooLarge(quota: number, adding: number, used?: number): TooLarge {
  const usedText = used === undefined ? '' : `, ${used} bytes of it already used`;
  return new TooLarge(
    `Project documents may hold at most ${quota} bytes in all${usedText}; this content is ${adding} bytes. Shorten it or delete documents you no longer need.`,
    { quota_bytes: quota, ...(used !== undefined && { used_bytes: used }), content_bytes: adding },
  );
}
