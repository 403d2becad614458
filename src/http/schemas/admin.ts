import { Type } from '@sinclair/typebox';
import { USER_ROLES } from '../../domain/users/service.js';
import { Nullable, OptionalBody, PaginationQuery, StringEnum, Timestamp, Uuid, bodyOrQuery, paged } from './common.js';
import { Invitation } from './invitation.js';
import { Email, Password } from './user.js';

export const Role = StringEnum(USER_ROLES, { description: 'Global role' });
export const InvitationType = StringEnum(['admin', 'team'] as const);

// Users

export const AdminUser = Type.Object({
  id: Uuid,
  email: Type.String(),
  name: Nullable(Type.String()),
  role: Type.String(),
  is_active: Type.Boolean(),
  github_username: Nullable(Type.String()),
  avatar_url: Nullable(Type.String()),
  created_at: Timestamp,
  last_login_at: Nullable(Timestamp),
});

export const AdminUserDetail = Type.Object({ ...AdminUser.properties, updated_at: Timestamp });

export const UserListQuery = Type.Object({
  ...PaginationQuery.properties,
  role: Type.Optional(Role),
  search: Type.Optional(Type.String({ maxLength: 255, description: 'Case-insensitive part of the email or name' })),
});

export const UserListResponse = paged('users', AdminUser);

const ChangedUser = Type.Object({
  id: Uuid,
  email: Type.String(),
  name: Nullable(Type.String()),
  role: Type.String(),
  is_active: Type.Boolean(),
});

export const UserChangeResponse = Type.Object({ message: Type.String(), status: Type.Literal('success'), user: ChangedUser });

export const UserUpdateInput = {
  querystring: Type.Object({
    name: Type.Optional(Type.String({ maxLength: 255, description: 'Empty clears the name' })),
    email: Type.Optional(Email),
    is_active: Type.Optional(Type.Boolean()),
  }),
  body: OptionalBody(
    Type.Object({
      name: Type.Optional(Nullable(Type.String({ maxLength: 255, description: 'null or empty clears the name' }))),
      email: Type.Optional(Email),
      is_active: Type.Optional(Type.Boolean()),
    }),
  ),
};

export const RoleChangeInput = bodyOrQuery({ role: Type.Optional(Role) });

export const EmailParams = Type.Object({ email: Email });

export const UserDeleteResponse = Type.Object({
  message: Type.String(),
  status: Type.Literal('success'),
  deleted_user_id: Uuid,
});

export const CreateUserInput = bodyOrQuery({
  email: Type.Optional(Email),
  password: Type.Optional(Password),
  name: Type.Optional(Type.String({ maxLength: 255 })),
  role: Type.Optional(Role),
  team_id: Type.Optional(Uuid),
});

export const UserCreatedResponse = Type.Object({
  message: Type.String(),
  status: Type.Literal('success'),
  user: Type.Object({ id: Uuid, email: Type.String(), name: Nullable(Type.String()), role: Type.String() }),
});

export const UserExistsResponse = Type.Object({ message: Type.String(), status: Type.Literal('exists'), user_id: Uuid });

// Invitations

export const CodeParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 128 }) });

export const AdminInvitationInput = bodyOrQuery({
  expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, description: 'Default 30' })),
  send_email_to: Type.Optional(Email),
  max_uses: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Default 1' })),
});

export const AdminInvitationCreatedResponse = Type.Object({
  message: Type.String(),
  status: Type.Literal('success'),
  invitation: Type.Object({
    code: Type.String(),
    type: Type.Literal('admin'),
    expires_at: Nullable(Timestamp),
    created_at: Timestamp,
    email_sent_to: Nullable(Type.String()),
    email_sent_at: Nullable(Timestamp),
    max_uses: Nullable(Type.Integer()),
  }),
});

export const InvitationListQuery = Type.Object({
  ...PaginationQuery.properties,
  type: Type.Optional(InvitationType),
  used: Type.Optional(Type.Boolean({ description: 'true: used at least once; false: never used' })),
});

export const InvitationListResponse = paged('invitations', Invitation);

export const StatusResponse = Type.Object({ message: Type.String(), status: Type.Literal('success') });
