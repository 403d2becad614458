import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { createProject } from '../helpers/content.js';
import { type TestServer, startServer } from '../helpers/server.js';
import { RawClient, type SignalRClient, connectSignalR } from './helpers.js';

describe('SignalR presence', () => {
  let server: TestServer;
  let admin: Session;
  let member: Session;
  let colleague: Session;
  let stranger: Session;
  let projectId: string;
  let watcher: SignalRClient;

  beforeAll(async () => {
    server = await startServer();
    server.app.fastify.realtime.configure({ pingIntervalMs: 100, clientTimeoutMs: 3000 });
    admin = await loginAdmin(server);
    const teamId = (await createTeam(server, admin)).id;
    member = await registerTeamMember(server, admin, teamId);
    colleague = await registerTeamMember(server, admin, teamId);
    stranger = await registerTeamMember(server, admin, (await createTeam(server, admin)).id);
    projectId = await createProject(server, admin, teamId);
    watcher = await connectSignalR(server, member.token, { keepAliveMs: 100, serverTimeoutMs: 10_000 });
    await watcher.connection.invoke('JoinProject', projectId);
  });
  afterAll(async () => {
    await watcher.stop();
    await server.close();
  });

  async function online(token = member.token) {
    return server.request('GET', `/signalr/projects/${projectId}/online`, { token });
  }

  it('lists the users connected to a project, once per user', async () => {
    const tabs = await Promise.all([connectSignalR(server, colleague.token), connectSignalR(server, colleague.token)]);
    for (const tab of tabs) await tab.connection.invoke('JoinProject', projectId);
    const response = await online();
    expect(response.status).toBe(200);
    expect(response.body.count).toBe(2);
    expect(response.body.onlineUsers).toEqual(
      expect.arrayContaining([
        { id: member.id, email: member.email },
        { id: colleague.id, email: colleague.email },
      ]),
    );
    // One userJoined for the colleague's first tab, one userLeft for the last.
    await tabs[0]!.stop();
    expect((await online()).body.count).toBe(2);
    await tabs[1]!.stop();
    await watcher.next('userLeft', (payload) => payload.userId === colleague.id);
    expect(watcher.received.filter((item) => item.target === 'userJoined' && item.payload.userId === colleague.id)).toHaveLength(1);
    expect((await online()).body.onlineUsers).toEqual([{ id: member.id, email: member.email }]);
  });

  it('answers 404 to a user of another team and 401 without a token', async () => {
    expect((await online(stranger.token)).status).toBe(404);
    expect((await server.request('GET', `/v1/signalr/projects/${projectId}/online`)).status).toBe(401);
  });

  it('removes a client that vanished without a close frame once its timeout passes', async () => {
    const ghost = await RawClient.open(server, colleague.token);
    ghost.invoke('1', 'JoinProject', [projectId]);
    await ghost.completion('1');
    expect((await online()).body.count).toBe(2);
    // The peer goes silent: no close frame, no TCP close, no pings answered.
    ghost.socket.pause();
    await watcher.next('userLeft', (payload) => payload.userId === colleague.id && watcher.received.filter((i) => i.target === 'userLeft').length >= 2);
    expect((await online()).body.count).toBe(1);
    ghost.terminate();
  });

  it('announces a user whose two tabs join at the same moment exactly once, and their leaving once', async () => {
    const twin = await registerTeamMember(server, admin, (await server.request('GET', `/projects/${projectId}`, { token: admin.token })).body.team_id);
    const tabs = await Promise.all([connectSignalR(server, twin.token), connectSignalR(server, twin.token)]);
    await Promise.all(tabs.map((tab) => tab.connection.invoke('JoinProject', projectId)));
    await Promise.all(tabs.map((tab) => tab.stop()));
    await watcher.next('userLeft', (payload) => payload.userId === twin.id);
    const about = (target: string) => watcher.received.filter((item) => item.target === target && item.payload.userId === twin.id);
    expect(about('userJoined')).toHaveLength(1);
    expect(about('userLeft')).toHaveLength(1);
  });
});

describe('SignalR graceful shutdown', () => {
  it('sends every client Close with allowReconnect before the app stops', async () => {
    const server = await startServer();
    const admin = await loginAdmin(server);
    const raw = await RawClient.open(server, admin.token);
    const client = await connectSignalR(server, admin.token);
    await server.close();
    expect(await raw.closeMessage()).toEqual({ type: 7, allowReconnect: true });
    await raw.closed();
    await client.closedWith;
    expect(client.connection.state).toBe('Disconnected');
  });
});
