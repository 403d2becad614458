import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { createProject, createTodo } from '../helpers/content.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';
import { type SignalRClient, connectSignalR } from './helpers.js';

describe('SignalR with Redis configured but down', () => {
  it('serves its own clients from memory and closes promptly', async () => {
    // Port 1 on loopback: nothing listens there.
    const server = await startServer({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const admin = await loginAdmin(server);
      const teamId = (await createTeam(server, admin)).id;
      const projectId = await createProject(server, admin, teamId);
      const client = await connectSignalR(server, admin.token);
      await client.connection.invoke('JoinProject', projectId);
      const todo = await createTodo(server, admin, { project_id: projectId });
      await client.next('todoUpdated', (payload) => payload.todoId === todo.id);
      const online = await server.request('GET', `/signalr/projects/${projectId}/online`, { token: admin.token });
      expect(online.body.onlineUsers).toEqual([{ id: admin.id, email: admin.email }]);
    } finally {
      await server.close();
    }
  });
});

/**
 * Two app instances on one PostgreSQL and one Redis, as behind a load balancer.
 * Needs both servers (DATABASE_URL and REDIS_URL, as CI sets them): two embedded
 * PGlite instances would be two separate databases, so on the embedded stack there
 * is no second instance to talk to.
 */
const sharedStack = Boolean(inject('redisUrl') && inject('databaseUrl'));

describe.skipIf(!sharedStack)('SignalR across instances (Redis backplane)', () => {
  let a: TestServer;
  let b: TestServer;
  let teamId: string;
  let projectId: string;
  let onA: Session;
  let onB: Session;
  let clientA: SignalRClient;
  let clientB: SignalRClient;

  beforeAll(async () => {
    [a, b] = await Promise.all([startServer(), startServer()]);
    const admin = await loginAdmin(a);
    teamId = (await createTeam(a, admin)).id;
    onA = await registerTeamMember(a, admin, teamId);
    onB = await registerTeamMember(b, admin, teamId);
    projectId = await createProject(a, admin, teamId);
    clientA = await connectSignalR(a, onA.token);
    clientB = await connectSignalR(b, onB.token);
    await clientA.connection.invoke('JoinProject', projectId);
  });
  afterAll(async () => {
    await Promise.all([clientA?.stop(), clientB?.stop()]);
    await Promise.all([a?.close(), b?.close()]);
  });

  it('shows presence across instances: userJoined, the online list on either, userLeft', async () => {
    await clientB.connection.invoke('JoinProject', projectId);
    expect(await clientA.next('userJoined', (payload) => payload.userId === onB.id)).toEqual({ userId: onB.id, projectId });
    for (const server of [a, b]) {
      const online = await server.request('GET', `/signalr/projects/${projectId}/online`, { token: onA.token });
      expect(online.body.count).toBe(2);
    }
  });

  it('delivers a change made through instance B to a client on instance A', async () => {
    const todo = await createTodo(b, onB, { project_id: projectId });
    expect(await clientA.next('todoUpdated', (payload) => payload.todoId === todo.id)).toMatchObject({
      projectId,
      actorId: onB.id,
      seq: expect.any(Number),
    });
    // And the other way round.
    const other = await createTodo(a, onA, { project_id: projectId });
    await clientB.next('todoUpdated', (payload) => payload.todoId === other.id);
  });

  it('relays userActivity and team events across instances', async () => {
    await clientB.connection.invoke('SendUserActivity', projectId, 'reviewing');
    expect(await clientA.next('userActivity')).toEqual({ userId: onB.id, projectId, action: 'reviewing', featureId: null });
    const idea = await b.request('POST', '/ideas', { token: onB.token, body: { team_id: teamId, title: unique('idea-') } });
    expect(idea.status).toBe(201);
    await clientA.next('ideaUpdated', (payload) => payload.ideaId === idea.body.id);
  });

  it('sends userLeft across instances and updates the online list everywhere', async () => {
    await clientB.stop();
    expect(await clientA.next('userLeft', (payload) => payload.userId === onB.id)).toEqual({ userId: onB.id, projectId });
    for (const server of [a, b]) {
      const online = await server.request('GET', `/signalr/projects/${projectId}/online`, { token: onA.token });
      expect(online.body.onlineUsers).toEqual([{ id: onA.id, email: onA.email }]);
    }
  });
});
