import { expect } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type TestServer, unique } from './server.js';

export const STRONG_PASSWORD = 'Str0ng!Passw0rd';

export interface Session {
  id: string;
  email: string;
  token: string;
  refreshToken: string;
}

export async function login(server: TestServer, email: string, password: string): Promise<Session> {
  const response = await server.request('POST', '/auth/login', { body: { email, password } });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return {
    id: response.body.user.id,
    email,
    token: response.body.tokens.access_token,
    refreshToken: response.body.tokens.refresh_token,
  };
}

export function loginAdmin(server: TestServer): Promise<Session> {
  return login(server, ADMIN_EMAIL, ADMIN_PASSWORD);
}

export async function createTeam(server: TestServer, admin: Session, name = unique('team-')): Promise<{ id: string; name: string }> {
  const response = await server.request('POST', '/teams', { token: admin.token, body: { name } });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

/** Registers a new user through a team invitation issued by `leader`, as the web client would. */
export async function registerTeamMember(
  server: TestServer,
  leader: Session,
  teamId: string,
  role: 'member' | 'team_leader' = 'member',
): Promise<Session> {
  const invitation = await server.request('POST', `/teams/${teamId}/invitations?member_role=${role}`, { token: leader.token });
  expect(invitation.status, JSON.stringify(invitation.body)).toBe(201);
  const email = `${unique('user-')}@example.test`;
  const registered = await server.request('POST', '/auth/register', {
    body: { email, password: STRONG_PASSWORD, name: 'Test User', invitation_code: invitation.body.code },
  });
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  return {
    id: registered.body.user.id,
    email,
    token: registered.body.tokens.access_token,
    refreshToken: registered.body.tokens.refresh_token,
  };
}

/** Registers a new team leader with their own team through an admin invitation. */
export async function registerLeader(server: TestServer, admin: Session): Promise<Session> {
  const invitation = await server.request('POST', '/admin/invitations/admin', { token: admin.token });
  expect(invitation.status, JSON.stringify(invitation.body)).toBe(201);
  const email = `${unique('leader-')}@example.test`;
  const registered = await server.request('POST', '/auth/register', {
    body: { email, password: STRONG_PASSWORD, name: unique('Leader '), invitation_code: invitation.body.invitation.code },
  });
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  return {
    id: registered.body.user.id,
    email,
    token: registered.body.tokens.access_token,
    refreshToken: registered.body.tokens.refresh_token,
  };
}
