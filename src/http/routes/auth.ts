import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { presentUser } from '../../domain/users/presenter.js';
import type { TokenPair as Tokens } from '../../domain/auth/service.js';
import { contextOf } from '../plugins/auth.js';
import { MessageResponse, OptionalBody, errors } from '../schemas/common.js';
import { Email, Password, TokenPair, User } from '../schemas/user.js';

const tokensBody = (tokens: Tokens) => ({ access_token: tokens.accessToken, refresh_token: tokens.refreshToken });

const SessionResponse = Type.Object({ message: Type.String(), user: Type.Ref(User), tokens: TokenPair });

const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { auth, database } = app.services;

  app.post(
    '/auth/register',
    {
      config: { limit: 'register' },
      schema: {
        tags: ['auth'],
        summary: 'Register with an invitation code',
        body: Type.Object({
          email: Email,
          password: Password,
          name: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
          invitation_code: Type.String({ minLength: 1, maxLength: 128 }),
        }),
        response: { 201: SessionResponse, ...errors(400, 409, 422, 429) },
      },
    },
    async (request, reply) => {
      const { email, password, name, invitation_code } = request.body;
      const input = { email, password, name, invitationCode: invitation_code };
      const { user, tokens } = await auth.register(database.db, app.services.contextFor, input);
      return reply.status(201).send({ message: 'User registered successfully', user: presentUser(user), tokens: tokensBody(tokens) });
    },
  );

  app.post(
    '/auth/login',
    {
      config: { limit: 'login' },
      schema: {
        tags: ['auth'],
        summary: 'Log in with email and password',
        body: Type.Object({ email: Type.String({ minLength: 1, maxLength: 320 }), password: Password }),
        response: { 200: SessionResponse, ...errors(401, 422, 429) },
      },
    },
    async (request) => {
      const { user, tokens } = await auth.login(database.db, request.body.email, request.body.password);
      return { message: 'Login successful', user: presentUser(user), tokens: tokensBody(tokens) };
    },
  );

  app.post(
    '/auth/refresh',
    {
      config: { limit: 'refresh' },
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new pair (the old one stops working)',
        description: 'Returns the pair both at the top level and under `tokens`, the two shapes clients read.',
        body: Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 4096 }) }),
        response: { 200: Type.Object({ ...TokenPair.properties, tokens: TokenPair }), ...errors(401, 422, 429) },
      },
    },
    async (request) => {
      const tokens = tokensBody(await auth.refresh(database.db, request.body.refresh_token));
      return { ...tokens, tokens };
    },
  );

  app.post(
    '/auth/logout',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'Revoke the given refresh token’s login, or every login of the caller',
        security: [{ bearerAuth: [] }],
        body: OptionalBody(Type.Object({ refresh_token: Type.Optional(Type.String({ maxLength: 4096 })) })),
        response: { 200: MessageResponse, ...errors(401) },
      },
    },
    async (request) => {
      await auth.logout(database.db, contextOf(request).actor, request.body?.refresh_token);
      return { message: 'Logout successful' };
    },
  );

  app.get(
    '/auth/me',
    {
      onRequest: app.authenticate,
      schema: { tags: ['auth'], summary: 'The signed-in user', security: [{ bearerAuth: [] }], response: { 200: Type.Ref(User), ...errors(401) } },
    },
    async (request) => presentUser(await auth.currentUser(database.db, contextOf(request).actor)),
  );
};

export default authRoutes;
