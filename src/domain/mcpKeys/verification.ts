import { eq, sql } from 'drizzle-orm';
import { users } from '../../db/schema.js';
import type { ServiceContext } from '../context.js';
import { NotFound } from '../errors.js';
import { mutate } from '../mutation.js';

/** Onboarding step reached once an agent has called the server with the user's key. */
export const ONBOARDING_MCP_VERIFIED_STEP = 3;

/**
 * Records that the caller's MCP client reached the server (`mcp_verify_connection`):
 * sets `mcp_verified_at` and moves onboarding to at least step 3. Repeating it only
 * refreshes the time. The user's own live connections get `mcpVerified` (the old
 * server broadcast it to every connection).
 */
export async function recordMcpVerification(ctx: ServiceContext): Promise<{ verifiedAt: Date; onboardingStep: number }> {
  return mutate(ctx, async (tx, record) => {
    const verifiedAt = new Date();
    const [updated] = await tx
      .update(users)
      .set({ mcpVerifiedAt: verifiedAt, onboardingStep: sql`greatest(${users.onboardingStep}, ${ONBOARDING_MCP_VERIFIED_STEP})` })
      .where(eq(users.id, ctx.actor.id))
      .returning({ verifiedAt: users.mcpVerifiedAt, onboardingStep: users.onboardingStep });
    if (!updated) throw new NotFound('User');
    record.activity({ action: 'user.mcp_verified', entityType: 'user', entityId: ctx.actor.id, after: { mcp_verified_at: verifiedAt } });
    record.event({
      name: 'mcpVerified',
      teamId: '',
      payload: { userId: ctx.actor.id, verified_at: verifiedAt.toISOString(), message: 'MCP connection verified' },
    });
    return { verifiedAt, onboardingStep: updated.onboardingStep };
  });
}
