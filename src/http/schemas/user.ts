import { Type } from '@sinclair/typebox';
import { Nullable, Timestamp, Uuid } from './common.js';

export const User = Type.Object(
  {
    id: Uuid,
    email: Type.String(),
    name: Nullable(Type.String()),
    role: Type.String(),
    is_active: Type.Boolean(),
    github_username: Nullable(Type.String()),
    avatar_url: Nullable(Type.String()),
    github_connected_at: Nullable(Timestamp),
    github_token_expires_at: Nullable(Timestamp),
    onboarding_step: Type.Integer(),
    mcp_verified_at: Nullable(Timestamp),
    setup_completed: Type.Boolean(),
    last_login_at: Nullable(Timestamp),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'User' },
);

export const Email = Type.String({ format: 'email', maxLength: 320 });
export const Password = Type.String({ minLength: 1, maxLength: 1024 });

export const TokenPair = Type.Object({ access_token: Type.String(), refresh_token: Type.String() });
