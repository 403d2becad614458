import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { queueInvitationEmail, queueTeamAddedEmail, resendTeamInvitation } from '../../domain/invitations/email.js';
import { acceptInvitation, createTeamInvitation, deleteInvitation, listInvitations } from '../../domain/invitations/service.js';
import { pageRequest } from '../../domain/pagination.js';
import {
  addMember,
  changeMemberRole,
  createTeam,
  deleteTeam,
  getTeam,
  listMembers,
  listTeams,
  removeMember,
  setTeamLanguage,
  updateTeam,
} from '../../domain/teams/service.js';
import { emailQueueOf } from '../email-queue.js';
import { contextOf } from '../plugins/auth.js';
import { MessageResponse, PaginationQuery, errors, mergeInput, pageBody, paged, requireInput } from '../schemas/common.js';
import { Invitation, presentInvitation } from '../schemas/invitation.js';
import {
  AddMemberInput,
  ChangeRoleInput,
  CreateInvitationInput,
  CreateTeamBody,
  InvitationCodeParams,
  IssuedTeamInvitation,
  ListInvitationsQuery,
  SetLanguageBody,
  Team,
  TeamMember,
  TeamInvitationParams,
  TeamMemberParams,
  TeamParams,
  UpdateTeamBody,
  presentIssuedInvitation,
  presentMember,
  presentTeam,
} from '../schemas/team.js';

const tags = ['teams'];
const security = [{ bearerAuth: [] }];

/**
 * `/teams`: teams, their members, language and invitations. Who may do what is the
 * domain's decision (DECISIONS.md "Access control"): the per-team role counts, never
 * the global `team_leader` role, and a team the caller cannot see answers 404.
 */
const teamRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/teams',
    {
      schema: {
        tags,
        summary: 'Create a team (global admins only)',
        description: 'The creator becomes the team’s leader. A name already in use answers 400.',
        security,
        body: CreateTeamBody,
        response: { 201: Team, ...errors(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const team = await createTeam(contextOf(request), request.body);
      return reply.status(201).send(presentTeam(team));
    },
  );

  app.get(
    '/teams',
    {
      schema: {
        tags,
        summary: 'List the caller’s teams (every team for an admin)',
        description: 'Paginated by `page`/`page_size` or `skip`/`limit`; ordered by name.',
        security,
        querystring: PaginationQuery,
        response: { 200: paged('teams', Team), ...errors(401, 422) },
      },
    },
    async (request) => pageBody('teams', await listTeams(contextOf(request), pageRequest(request.query)), presentTeam),
  );

  app.get(
    '/teams/:id',
    {
      schema: { tags, summary: 'Get a team the caller belongs to', security, params: TeamParams, response: { 200: Team, ...errors(401, 404, 422) } },
    },
    async (request) => presentTeam(await getTeam(contextOf(request), request.params.id)),
  );

  app.put(
    '/teams/:id',
    {
      schema: {
        tags,
        summary: 'Rename or describe a team (its team leaders or an admin)',
        description: 'Omitted fields stay as they are; `description: null` clears it. A name already in use answers 400.',
        security,
        params: TeamParams,
        body: UpdateTeamBody,
        response: { 200: Team, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => presentTeam(await updateTeam(contextOf(request), request.params.id, request.body)),
  );

  app.delete(
    '/teams/:id',
    {
      schema: {
        tags,
        summary: 'Delete a team with its projects, ideas and invitations (admins only)',
        security,
        params: TeamParams,
        response: { 204: Type.Null(), ...errors(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await deleteTeam(contextOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/teams/:id/members',
    {
      schema: {
        tags,
        summary: 'List a team’s members with their names and emails',
        description: 'Paginated by `page`/`page_size` or `skip`/`limit`; oldest membership first.',
        security,
        params: TeamParams,
        querystring: PaginationQuery,
        response: { 200: paged('members', TeamMember), ...errors(401, 404, 422) },
      },
    },
    async (request) =>
      pageBody('members', await listMembers(contextOf(request), request.params.id, pageRequest(request.query)), presentMember),
  );

  app.post(
    '/teams/:id/members',
    {
      schema: {
        tags,
        summary: 'Add an existing user to a team (its team leaders or an admin)',
        description:
          '`user_id` and `role` (default `member`) come from the query, as the web client sends them, or from a JSON body. ' +
          'An unknown user answers 404; a user who is already a member answers **409** (the old server said 400).',
        security,
        params: TeamParams,
        ...AddMemberInput,
        response: { 201: TeamMember, ...errors(401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const input = mergeInput(request.query, request.body);
      const userId = requireInput(input.user_id, 'user_id');
      const member = await addMember(contextOf(request), request.params.id, userId, input.role ?? 'member');
      // "You were added to a team", queued: the answer does not wait for the mail server.
      await queueTeamAddedEmail(contextOf(request), emailQueueOf(request), request.params.id, member.userEmail);
      return reply.status(201).send(presentMember(member));
    },
  );

  app.delete(
    '/teams/:id/members/:user_id',
    {
      schema: {
        tags,
        summary: 'Remove a member from a team (its team leaders or an admin)',
        description:
          'Refused with 400 when it would leave the team without a team leader, or a non-admin user without any team. ' +
          'The user’s account is never deleted.',
        security,
        params: TeamMemberParams,
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await removeMember(contextOf(request), request.params.id, request.params.user_id);
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/teams/:id/members/:user_id/role',
    {
      schema: {
        tags,
        summary: 'Change a member’s role in the team (its team leaders or an admin)',
        description: '`role` comes from the query or a JSON body. Demoting the last team leader answers 400.',
        security,
        params: TeamMemberParams,
        ...ChangeRoleInput,
        response: { 200: TeamMember, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const role = requireInput(mergeInput(request.query, request.body).role, 'role');
      return presentMember(await changeMemberRole(contextOf(request), request.params.id, request.params.user_id, role));
    },
  );

  app.post(
    '/teams/:id/language',
    {
      schema: {
        tags,
        summary: 'Set the team’s language, once (its team leaders or an admin)',
        description: 'The language decides generated texts, so it cannot be changed once set: a second call answers 400.',
        security,
        params: TeamParams,
        body: SetLanguageBody,
        response: { 200: Team, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => presentTeam(await setTeamLanguage(contextOf(request), request.params.id, request.body.language)),
  );

  app.post(
    '/teams/:id/invitations',
    {
      schema: {
        tags,
        summary: 'Invite someone to the team (its team leaders or an admin)',
        description:
          'Parameters come from the query, as the web client sends them, or from a JSON body. ' +
          'A code (single-use unless `max_uses` says more) is stored and returned, whether or not `send_email_to` ' +
          'has an account: a new person registers with it, an existing user accepts it signed in ' +
          '(`POST /invitations/{code}/accept`). An address that already is a member of the team answers 400. ' +
          '`member_role=team_leader` needs a global admin (403 otherwise).',
        security,
        params: TeamParams,
        ...CreateInvitationInput,
        response: { 201: IssuedTeamInvitation, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const input = mergeInput(request.query, request.body);
      const invitation = await createTeamInvitation(contextOf(request), request.params.id, input.member_role ?? 'member', {
        expiresInDays: input.expires_in_days,
        sendEmailTo: input.send_email_to,
        maxUses: input.max_uses,
      });
      // Queued, never sent here: the answer does not wait for the mail server.
      await queueInvitationEmail(contextOf(request), emailQueueOf(request), invitation);
      return reply.status(201).send(presentIssuedInvitation(invitation));
    },
  );

  app.delete(
    '/teams/:id/invitations/:code',
    {
      schema: {
        tags,
        summary: 'Revoke an unused invitation code of the team (its team leaders or an admin)',
        description: 'A used code answers 400; a code of another team answers 404, like an unknown one.',
        security,
        params: TeamInvitationParams,
        response: { 200: MessageResponse, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      await deleteInvitation(contextOf(request), request.params.code, request.params.id);
      return { message: 'Invitation code revoked' };
    },
  );

  app.post(
    '/invitations/:code/accept',
    {
      schema: {
        tags,
        summary: 'Join a team with a team invitation code, as the signed-in user',
        description:
          'For invitees who already have an account (a new person registers with the code instead). ' +
          'Takes one use of the code; refusals are those of registration (400), and 409 when already a member (the code is not spent).',
        security,
        params: InvitationCodeParams,
        response: { 200: TeamMember, ...errors(400, 401, 409, 422) },
      },
    },
    async (request) => presentMember(await acceptInvitation(contextOf(request), request.params.code)),
  );

  app.post(
    '/teams/:id/invitations/:code/resend',
    {
      schema: {
        tags,
        summary: 'Queue the invitation email again (its team leaders or an admin)',
        description:
          'For a usable code that was made with `send_email_to`: clears `email_error` and queues the email; ' +
          '`email_sent_at` is set once it went out. 400 when the code has no address or can no longer be used.',
        security,
        params: TeamInvitationParams,
        response: { 202: Type.Object({ message: Type.String(), invitation: Invitation }), ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const invitation = await resendTeamInvitation(contextOf(request), emailQueueOf(request), request.params.id, request.params.code);
      return reply.status(202).send({ message: 'Invitation email queued', invitation: presentInvitation(invitation) });
    },
  );

  app.get(
    '/teams/:id/invitations',
    {
      schema: {
        tags,
        summary: 'List the team’s invitation codes, newest first (its team leaders or an admin)',
        description: 'Paginated by `page`/`page_size` or `skip`/`limit`. Includes the email delivery state of each code.',
        security,
        params: TeamParams,
        querystring: ListInvitationsQuery,
        response: { 200: paged('invitations', Invitation), ...errors(401, 403, 404, 422) },
      },
    },
    async (request) => {
      const { used, ...window } = request.query;
      const page = await listInvitations(contextOf(request), { teamId: request.params.id, used }, pageRequest(window));
      return pageBody('invitations', page, presentInvitation);
    },
  );
};

export default teamRoutes;
