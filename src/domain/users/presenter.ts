import type { users } from '../../db/schema.js';

export type UserRow = typeof users.$inferSelect;

/** The public shape of a user (reference "User"); secrets and token blobs never leave. */
export function presentUser(user: UserRow) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    is_active: user.isActive,
    github_username: user.githubUsername,
    avatar_url: user.avatarUrl,
    github_connected_at: user.githubConnectedAt,
    github_token_expires_at: user.githubTokenExpiresAt,
    onboarding_step: user.onboardingStep,
    mcp_verified_at: user.mcpVerifiedAt,
    setup_completed: user.setupCompleted,
    last_login_at: user.lastLoginAt,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}
