import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  createAdminInvitation,
  deleteInvitation,
  getInvitation,
  listInvitations,
} from '../../domain/invitations/service.js';
import { queueInvitationEmail } from '../../domain/invitations/email.js';
import { pageRequest } from '../../domain/pagination.js';
import { presentUser } from '../../domain/users/presenter.js';
import {
  changeUserRole,
  changeUserRoleByEmail,
  createUser,
  deleteUser,
  getUser,
  listUsers,
  updateUser,
} from '../../domain/users/service.js';
import { emailQueueOf } from '../email-queue.js';
import { contextOf } from '../plugins/auth.js';
import {
  AdminInvitationCreatedResponse,
  AdminInvitationInput,
  AdminUserDetail,
  CodeParams,
  CreateUserInput,
  EmailParams,
  InvitationListQuery,
  InvitationListResponse,
  RoleChangeInput,
  StatusResponse,
  UserChangeResponse,
  UserCreatedResponse,
  UserDeleteResponse,
  UserExistsResponse,
  UserListQuery,
  UserListResponse,
  UserUpdateInput,
} from '../schemas/admin.js';
import { IdParams, errors, mergeInput, pageBody, requireInput } from '../schemas/common.js';
import { Invitation, presentInvitation } from '../schemas/invitation.js';

/**
 * `/admin/*`: user management and admin invitations, for global admins only (the
 * services decide; a non-admin gets 403 "Admin access required"). Writes read a JSON
 * body and, for the web client, the same fields from the query string.
 */
const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const doc = (summary: string) => ({ tags: ['admin'], summary, security: [{ bearerAuth: [] }] });
  const onRequest = app.authenticate;

  app.get(
    '/admin/users',
    {
      onRequest,
      schema: {
        ...doc('List users, filtered by role and a search on email or name'),
        querystring: UserListQuery,
        response: { 200: UserListResponse, ...errors(401, 403, 422) },
      },
    },
    async (request) => {
      const { role, search, ...window } = request.query;
      const page = await listUsers(contextOf(request), { role, search }, pageRequest(window));
      return pageBody('users', page, presentUser);
    },
  );

  app.get(
    '/admin/users/:id',
    {
      onRequest,
      schema: { ...doc('One user'), params: IdParams, response: { 200: AdminUserDetail, ...errors(401, 403, 404, 422) } },
    },
    async (request) => presentUser(await getUser(contextOf(request), request.params.id)),
  );

  app.put(
    '/admin/users/:id',
    {
      onRequest,
      schema: {
        ...doc('Change a user’s name, email or active flag'),
        description:
          'Fields come from the JSON body or the query string (the body wins). Deactivating revokes the user’s ' +
          'refresh tokens and makes their access tokens fail at once. A duplicate email is 409.',
        params: IdParams,
        ...UserUpdateInput,
        response: { 200: UserChangeResponse, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const input = mergeInput(request.query, request.body);
      const user = await updateUser(contextOf(request), request.params.id, {
        name: input.name,
        email: input.email,
        isActive: input.is_active,
      });
      return { message: 'User updated successfully', status: 'success' as const, user: presentUser(user) };
    },
  );

  app.put(
    '/admin/users/:id/role',
    {
      onRequest,
      schema: {
        ...doc('Change a user’s global role'),
        description: 'A non-admin role needs a team membership; the last admin cannot be demoted.',
        params: IdParams,
        ...RoleChangeInput,
        response: { 200: UserChangeResponse, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const role = requireInput(mergeInput(request.query, request.body).role, 'role');
      const user = await changeUserRole(contextOf(request), request.params.id, role);
      return { message: `User role updated to ${role}`, status: 'success' as const, user: presentUser(user) };
    },
  );

  app.put(
    '/admin/users/by-email/:email/role',
    {
      onRequest,
      schema: {
        ...doc('Change the global role of the user with this email'),
        description: 'Same rules as PUT /admin/users/{id}/role.',
        params: EmailParams,
        ...RoleChangeInput,
        response: { 200: UserChangeResponse, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const role = requireInput(mergeInput(request.query, request.body).role, 'role');
      const user = await changeUserRoleByEmail(contextOf(request), request.params.email, role);
      return { message: `User role updated to ${role}`, status: 'success' as const, user: presentUser(user) };
    },
  );

  app.delete(
    '/admin/users/:id',
    {
      onRequest,
      schema: {
        ...doc('Delete a user'),
        description: 'Teams and content the user created stay (their author becomes null); memberships and MCP keys go.',
        params: IdParams,
        response: { 200: UserDeleteResponse, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      await deleteUser(contextOf(request), request.params.id);
      return { message: 'User deleted successfully', status: 'success' as const, deleted_user_id: request.params.id };
    },
  );

  app.post(
    '/admin/create-user',
    {
      onRequest,
      schema: {
        ...doc('Create a user without an invitation'),
        description:
          'Fields from the JSON body or the query string (the body wins); prefer the body, query strings get logged. ' +
          'A non-admin joins `team_id` as a member, or else gets a personal team they lead. An existing email answers ' +
          '200 with status "exists".',
        ...CreateUserInput,
        response: { 200: UserExistsResponse, 201: UserCreatedResponse, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const input = mergeInput(request.query, request.body);
      const result = await createUser(contextOf(request), {
        email: requireInput(input.email, 'email'),
        password: requireInput(input.password, 'password'),
        name: input.name,
        role: input.role,
        teamId: input.team_id,
      });
      if (result.kind === 'exists') {
        return reply.status(200).send({ message: 'A user with this email already exists', status: 'exists', user_id: result.userId });
      }
      return reply.status(201).send({ message: 'User created successfully', status: 'success', user: presentUser(result.user) });
    },
  );

  app.post(
    '/admin/invitations/admin',
    {
      onRequest,
      schema: {
        ...doc('Create an admin invitation (registers a team leader with a team of their own)'),
        ...AdminInvitationInput,
        response: { 201: AdminInvitationCreatedResponse, ...errors(401, 403, 422) },
      },
    },
    async (request, reply) => {
      const input = mergeInput(request.query, request.body);
      const invitation = await createAdminInvitation(contextOf(request), {
        expiresInDays: input.expires_in_days,
        sendEmailTo: input.send_email_to,
        maxUses: input.max_uses,
      });
      await queueInvitationEmail(contextOf(request), emailQueueOf(request), invitation);
      return reply.status(201).send({
        message: 'Admin invitation created successfully',
        status: 'success',
        invitation: { ...presentInvitation(invitation), type: 'admin' as const },
      });
    },
  );

  app.get(
    '/admin/invitations',
    {
      onRequest,
      schema: {
        ...doc('List invitation codes'),
        querystring: InvitationListQuery,
        response: { 200: InvitationListResponse, ...errors(401, 403, 422) },
      },
    },
    async (request) => {
      const { type, used, ...window } = request.query;
      const page = await listInvitations(contextOf(request), { type, used }, pageRequest(window));
      return pageBody('invitations', page, presentInvitation);
    },
  );

  app.get(
    '/admin/invitations/:code',
    {
      onRequest,
      schema: { ...doc('One invitation code'), params: CodeParams, response: { 200: Invitation, ...errors(401, 403, 404, 422) } },
    },
    async (request) => presentInvitation(await getInvitation(contextOf(request), request.params.code)),
  );

  app.delete(
    '/admin/invitations/:code',
    {
      onRequest,
      schema: {
        ...doc('Delete an unused invitation code'),
        params: CodeParams,
        response: { 200: StatusResponse, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      await deleteInvitation(contextOf(request), request.params.code);
      return { message: 'Invitation code deleted successfully', status: 'success' as const };
    },
  );
};

export default adminRoutes;
