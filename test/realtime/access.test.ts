import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { createProject, createTodo } from '../helpers/content.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';
import { RawClient, type SignalRClient, connectSignalR, waitFor } from './helpers.js';

/**
 * Access on a connection that stays open: what a user may see is decided as they
 * are now, not as they were when they connected. Absence of an event is proven by a
 * later event the same client does get (fan-out is in order), never by waiting.
 */

async function promoteToAdmin(server: TestServer, admin: Session, userId: string): Promise<void> {
  const response = await server.request('PUT', `/admin/users/${userId}/role`, { token: admin.token, body: { role: 'admin' } });
  expect(response.status, response.text).toBe(200);
}

async function postIdea(server: TestServer, session: Session, teamId: string): Promise<string> {
  const idea = await server.request('POST', '/ideas', { token: session.token, body: { team_id: teamId, title: unique('idea-') } });
  expect(idea.status, idea.text).toBe(201);
  return idea.body.id;
}

describe('hub access follows the user as they are now', () => {
  let server: TestServer;
  let admin: Session;
  let teamId: string;
  let otherTeamId: string;
  let projectId: string;
  let otherProjectId: string;
  let watcher: Session;
  let watcherClient: SignalRClient;

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    teamId = (await createTeam(server, admin)).id;
    otherTeamId = (await createTeam(server, admin)).id;
    projectId = await createProject(server, admin, teamId);
    otherProjectId = await createProject(server, admin, otherTeamId);
    watcher = await registerTeamMember(server, admin, teamId);
    watcherClient = await connectSignalR(server, watcher.token);
    await watcherClient.connection.invoke('JoinProject', projectId);
  });
  afterAll(async () => {
    await watcherClient?.stop();
    await server.close();
  });

  /** A todo the watcher (joined to the project) sees: everything fanned out before it has reached every socket. */
  async function sentinel(): Promise<void> {
    const todo = await createTodo(server, admin, { project_id: projectId });
    await watcherClient.next('todoUpdated', (payload) => payload.todoId === todo.id);
  }

  for (const [how, revoke] of [
    ['deactivated', (userId: string) => server.request('PUT', `/admin/users/${userId}`, { token: admin.token, body: { is_active: false } })],
    ['deleted', (userId: string) => server.request('DELETE', `/admin/users/${userId}`, { token: admin.token })],
  ] as const) {
    it(`closes a ${how} user's connections with allowReconnect false, and sends them nothing more`, async () => {
      const user = await registerTeamMember(server, admin, teamId);
      const client = await connectSignalR(server, user.token, { reconnect: true });
      const raw = await RawClient.open(server, user.token);
      await client.connection.invoke('JoinProject', projectId);
      raw.invoke('join', 'JoinProject', [projectId]);
      expect(await raw.completion('join')).not.toHaveProperty('error');

      const response = await revoke(user.id);
      expect(response.status, response.text).toBe(200);

      expect(await raw.closeMessage()).toEqual({ type: 7, error: 'User not found or inactive' });
      await raw.closed();
      const error = await client.closedWith;
      expect(error?.message).toMatch(/User not found or inactive/);
      expect(client.reconnecting).toEqual([]);

      const todo = await createTodo(server, admin, { project_id: projectId });
      await watcherClient.next('todoUpdated', (payload) => payload.todoId === todo.id);
      expect(raw.records.filter((record) => record.type === 1 && record.target === 'todoUpdated')).toEqual([]);
      expect(client.received.some((item) => item.payload.todoId === todo.id)).toBe(false);
    });
  }

  it('takes a demoted admin out of other teams’ projects and events, keeping their own team', async () => {
    const demoted = await registerTeamMember(server, admin, teamId);
    await promoteToAdmin(server, admin, demoted.id);
    const client = await connectSignalR(server, demoted.token);
    try {
      await client.connection.invoke('JoinProject', otherProjectId);
      await client.connection.invoke('JoinProject', projectId);
      // As an admin they hear of every team.
      const before = await postIdea(server, admin, otherTeamId);
      await client.next('ideaUpdated', (payload) => payload.ideaId === before);

      const response = await server.request('PUT', `/admin/users/${demoted.id}/role`, { token: admin.token, body: { role: 'member' } });
      expect(response.status, response.text).toBe(200);
      expect(await client.next('leftProject', (payload) => payload.projectId === otherProjectId)).toEqual({
        projectId: otherProjectId,
        reason: 'access_revoked',
      });

      const otherIdea = await postIdea(server, admin, otherTeamId);
      const otherTodo = await createTodo(server, admin, { project_id: otherProjectId });
      const ownIdea = await postIdea(server, admin, teamId);
      const ownTodo = await createTodo(server, admin, { project_id: projectId });
      await client.next('ideaUpdated', (payload) => payload.ideaId === ownIdea);
      await client.next('todoUpdated', (payload) => payload.todoId === ownTodo.id);
      expect(client.received.some((item) => item.payload.ideaId === otherIdea || item.payload.todoId === otherTodo.id)).toBe(false);
      // Hub methods read the caller as they are now, not as they connected.
      await expect(client.connection.invoke('JoinProject', otherProjectId)).rejects.toThrow(/Project not found/);
      expect(client.received.filter((item) => item.target === 'leftProject' && item.payload.projectId === projectId)).toEqual([]);
    } finally {
      await client.stop();
    }
  });

  it('lets a promoted member see every team at once, without reconnecting', async () => {
    const promoted = await registerTeamMember(server, admin, teamId);
    const client = await connectSignalR(server, promoted.token);
    try {
      await expect(client.connection.invoke('JoinProject', otherProjectId)).rejects.toThrow(/Project not found/);
      await promoteToAdmin(server, admin, promoted.id);
      const idea = await postIdea(server, admin, otherTeamId);
      await client.next('ideaUpdated', (payload) => payload.ideaId === idea);
      await client.connection.invoke('JoinProject', otherProjectId);
      expect(await client.next('joinedProject', (payload) => payload.projectId === otherProjectId)).toEqual({ projectId: otherProjectId });
    } finally {
      await client.stop();
    }
  });

  it('takes every connection of a removed member out of the team’s projects', async () => {
    const member = await registerTeamMember(server, admin, teamId);
    const added = await server.request('POST', `/teams/${otherTeamId}/members?user_id=${member.id}&role=member`, { token: admin.token });
    expect(added.status, added.text).toBeLessThan(300);
    const tabs = await Promise.all([connectSignalR(server, member.token), connectSignalR(server, member.token)]);
    try {
      for (const tab of tabs) await tab.connection.invoke('JoinProject', projectId);
      const removed = await server.request('DELETE', `/teams/${teamId}/members/${member.id}`, { token: admin.token });
      expect(removed.status, removed.text).toBeLessThan(300);
      for (const tab of tabs) {
        expect(await tab.next('leftProject', (payload) => payload.reason === 'access_revoked')).toEqual({ projectId, reason: 'access_revoked' });
      }
      await sentinel();
      const ownIdea = await postIdea(server, admin, otherTeamId);
      for (const tab of tabs) await tab.next('ideaUpdated', (payload) => payload.ideaId === ownIdea);
      const lostTodos = tabs.flatMap((tab) => tab.received.filter((item) => item.target === 'todoUpdated'));
      expect(lostTodos).toEqual([]);
      await expect(tabs[0]!.connection.invoke('JoinProject', projectId)).rejects.toThrow(/Project not found/);
    } finally {
      await Promise.all(tabs.map((tab) => tab.stop()));
    }
  });
});

/** The `exp` claim of a JWT, in epoch milliseconds (the test reads its own token). */
function expiryOf(token: string): number {
  const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number };
  return payload.exp * 1000;
}

describe('hub connections end with their access token', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ JWT_EXPIRES_IN: '2s' });
    // Checks run every quarter of the shortest interval: a short one makes the close prompt.
    server.app.fastify.realtime.configure({ pingIntervalMs: 400 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('closes the connection at expiry with reconnect allowed, naming the reason', async () => {
    const token = (await loginAdmin(server)).token;
    const raw = await RawClient.open(server, token, { answerPings: true });
    const close = await raw.closeMessage();
    expect(Date.now()).toBeGreaterThanOrEqual(expiryOf(token));
    expect(close).toEqual({ type: 7, error: 'Access token expired', allowReconnect: true });
    await raw.closed();
  });

  it('lets the stock client reconnect at once with a fresh token', async () => {
    const tokens: string[] = [];
    const client = await connectSignalR(
      server,
      async () => {
        const fresh = (await loginAdmin(server)).token;
        tokens.push(fresh);
        return fresh;
      },
      { reconnect: true },
    );
    try {
      await waitFor(() => client.reconnected >= 1, 'the automatic reconnect');
      expect(client.reconnecting[0]?.message).toMatch(/Access token expired/);
      expect(tokens.length).toBeGreaterThanOrEqual(2);
    } finally {
      await client.stop();
    }
  });
});

/** Sharing one PostgreSQL and one Redis, as behind a load balancer (see backplane.test.ts). */
const sharedStack = Boolean(inject('redisUrl') && inject('databaseUrl'));

describe.skipIf(!sharedStack)('hub access changes made on another instance', () => {
  let a: TestServer;
  let b: TestServer;
  let admin: Session;
  let teamId: string;
  let otherTeamId: string;
  let otherProjectId: string;

  beforeAll(async () => {
    [a, b] = await Promise.all([startServer(), startServer()]);
    admin = await loginAdmin(b);
    teamId = (await createTeam(b, admin)).id;
    otherTeamId = (await createTeam(b, admin)).id;
    otherProjectId = await createProject(b, admin, otherTeamId);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('closes a socket on instance A when the user is deactivated through instance B', async () => {
    const user = await registerTeamMember(b, admin, teamId);
    const raw = await RawClient.open(a, user.token);
    const response = await b.request('PUT', `/admin/users/${user.id}`, { token: admin.token, body: { is_active: false } });
    expect(response.status, response.text).toBe(200);
    expect(await raw.closeMessage()).toEqual({ type: 7, error: 'User not found or inactive' });
  });

  it('takes a socket on instance A out of another team when its admin is demoted through instance B', async () => {
    const demoted = await registerTeamMember(b, admin, teamId);
    await promoteToAdmin(b, admin, demoted.id);
    const client = await connectSignalR(a, demoted.token);
    try {
      await client.connection.invoke('JoinProject', otherProjectId);
      const response = await b.request('PUT', `/admin/users/${demoted.id}/role`, { token: admin.token, body: { role: 'member' } });
      expect(response.status, response.text).toBe(200);
      expect(await client.next('leftProject', (payload) => payload.projectId === otherProjectId)).toEqual({
        projectId: otherProjectId,
        reason: 'access_revoked',
      });
      const otherIdea = await postIdea(b, admin, otherTeamId);
      const ownIdea = await postIdea(b, admin, teamId);
      await client.next('ideaUpdated', (payload) => payload.ideaId === ownIdea);
      expect(client.received.some((item) => item.payload.ideaId === otherIdea)).toBe(false);
    } finally {
      await client.stop();
    }
  });
});
