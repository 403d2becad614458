import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { createFeature, createProject, createTodo } from '../helpers/content.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';
import { type SignalRClient, connectSignalR, waitFor } from './helpers.js';

/**
 * The live board as the web client sees it: hub methods, presence events, and one
 * event per kind of domain change made over REST. Absence of an event is proven by
 * a later event the same client does get (fan-out is in order), never by waiting.
 */
describe('SignalR hub methods and events', () => {
  let server: TestServer;
  let admin: Session;
  let teamId: string;
  let otherTeamId: string;
  let member: Session;
  let colleague: Session;
  let stranger: Session;
  let projectId: string;
  let strangerProjectId: string;
  let memberClient: SignalRClient;
  let colleagueClient: SignalRClient;
  let strangerClient: SignalRClient;

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    teamId = (await createTeam(server, admin)).id;
    member = await registerTeamMember(server, admin, teamId);
    colleague = await registerTeamMember(server, admin, teamId);
    otherTeamId = (await createTeam(server, admin)).id;
    stranger = await registerTeamMember(server, admin, otherTeamId);
    projectId = await createProject(server, admin, teamId);
    strangerProjectId = await createProject(server, admin, otherTeamId);
    [memberClient, colleagueClient, strangerClient] = await Promise.all([
      connectSignalR(server, member.token),
      connectSignalR(server, colleague.token),
      connectSignalR(server, stranger.token),
    ]);
    await strangerClient.connection.invoke('JoinProject', strangerProjectId);
  });
  afterAll(async () => {
    await Promise.all([memberClient, colleagueClient, strangerClient].map((client) => client?.stop()));
    await server.close();
  });

  /** Makes a change the stranger may see and waits for it: everything before it has been fanned out. */
  async function strangerSentinel(): Promise<void> {
    const todo = await createTodo(server, admin, { project_id: strangerProjectId });
    await strangerClient.next('todoUpdated', (payload) => payload.todoId === todo.id);
  }

  function strangerSawProject(id: string): boolean {
    return strangerClient.received.some((item) => item.payload.projectId === id);
  }

  it('JoinProject confirms with joinedProject and tells the others userJoined', async () => {
    await memberClient.connection.invoke('JoinProject', projectId);
    expect(await memberClient.next('joinedProject')).toEqual({ projectId });
    await colleagueClient.connection.invoke('JoinProject', projectId);
    expect(await memberClient.next('userJoined', (payload) => payload.userId === colleague.id)).toEqual({ userId: colleague.id, projectId });
  });

  it('refuses JoinProject to a member of another team with a Completion error, without joining', async () => {
    await expect(strangerClient.connection.invoke('JoinProject', projectId)).rejects.toThrow(/Project not found/);
    await expect(strangerClient.connection.invoke('JoinProject', 'not-a-uuid')).rejects.toThrow(/Project not found/);
    await createTodo(server, member, { project_id: projectId });
    await strangerSentinel();
    expect(strangerSawProject(projectId)).toBe(false);
    expect(strangerClient.received.some((item) => item.target === 'joinedProject' && item.payload.projectId === projectId)).toBe(false);
  });

  it('sends todoUpdated with the reference fields, actorId, version and seq', async () => {
    const todo = await createTodo(server, member, { project_id: projectId });
    const created = await colleagueClient.next('todoUpdated', (payload) => payload.todoId === todo.id);
    expect(created).toMatchObject({ todoId: todo.id, projectId, userId: member.id, changes: { action: 'created' }, actorId: member.id });
    expect(created.seq).toEqual(expect.any(Number));

    const updated = await server.request('PUT', `/todos/${todo.id}`, { token: member.token, body: { status: 'in_progress', expected_version: todo.version } });
    expect(updated.status).toBe(200);
    const change = await colleagueClient.next('todoUpdated', (payload) => payload.todoId === todo.id && payload.seq !== created.seq);
    expect(change).toMatchObject({ todoId: todo.id, projectId, actorId: member.id, version: updated.body.version });
    expect(change.seq as number).toBeGreaterThan(created.seq as number);
  });

  it('sends featureUpdated after a feature is created', async () => {
    const feature = await createFeature(server, member, projectId);
    expect(await colleagueClient.next('featureUpdated', (payload) => payload.featureId === feature.id)).toMatchObject({
      featureId: feature.id,
      projectId,
      progress: 0,
      status: 'new',
      actorId: member.id,
      seq: expect.any(Number),
    });
  });

  it('sends projectUpdated after the project is edited', async () => {
    const response = await server.request('PUT', `/projects/${projectId}`, { token: admin.token, body: { description: unique('d-') } });
    expect(response.status).toBe(200);
    expect(await memberClient.next('projectUpdated', (payload) => (payload.changes as { action: string }).action === 'updated')).toMatchObject({
      projectId,
      actorId: admin.id,
      seq: expect.any(Number),
    });
  });

  it('sends sessionStarted and sessionEnded', async () => {
    const started = await server.request('POST', '/sessions', { token: member.token, body: { project_id: projectId } });
    expect(started.status).toBe(201);
    expect(await colleagueClient.next('sessionStarted')).toMatchObject({ projectId, userId: member.id, actorId: member.id });
    const ended = await server.request('POST', `/sessions/${started.body.id}/end`, { token: member.token, body: {} });
    expect(ended.status).toBe(200);
    expect(await colleagueClient.next('sessionEnded')).toMatchObject({ projectId, userId: member.id, actorId: member.id });
  });

  it('sends ideaUpdated to the members of the team only, joined to a project or not', async () => {
    const idea = await server.request('POST', '/ideas', { token: member.token, body: { team_id: teamId, title: unique('idea-') } });
    expect(idea.status).toBe(201);
    expect(await colleagueClient.next('ideaUpdated', (payload) => payload.ideaId === idea.body.id)).toMatchObject({
      ideaId: idea.body.id,
      teamId,
      changes: { action: 'created' },
      actorId: member.id,
    });
    await strangerSentinel();
    expect(strangerClient.received.some((item) => item.target === 'ideaUpdated')).toBe(false);
  });

  it('sends projectUpdated for a new project to its team, not to other teams', async () => {
    const newProjectId = await createProject(server, admin, teamId);
    expect(await memberClient.next('projectUpdated', (payload) => payload.projectId === newProjectId)).toMatchObject({ changes: { action: 'created' } });
    await strangerSentinel();
    expect(strangerSawProject(newProjectId)).toBe(false);
  });

  it('relays SendUserActivity to the others in the project as userActivity', async () => {
    await memberClient.connection.invoke('SendUserActivity', projectId, 'editing', null);
    expect(await colleagueClient.next('userActivity')).toEqual({ userId: member.id, projectId, action: 'editing', featureId: null });
    await expect(strangerClient.connection.invoke('SendUserActivity', projectId, 'peeking')).rejects.toThrow(/Join the project/);
  });

  it('sends mcpVerified to that user only', async () => {
    server.app.fastify.services.events.publish([
      { name: 'mcpVerified' as never, teamId, actorId: member.id, payload: { userId: member.id, verifiedAt: new Date().toISOString() }, at: new Date() },
    ]);
    expect(await memberClient.next('mcpVerified')).toMatchObject({ userId: member.id });
    const todo = await createTodo(server, member, { project_id: projectId });
    await colleagueClient.next('todoUpdated', (payload) => payload.todoId === todo.id);
    expect(colleagueClient.received.some((item) => item.target === 'mcpVerified')).toBe(false);
  });

  it('LeaveProject confirms with leftProject, tells the others userLeft, and stops the events', async () => {
    await colleagueClient.connection.invoke('LeaveProject', projectId);
    expect(await colleagueClient.next('leftProject')).toEqual({ projectId });
    expect(await memberClient.next('userLeft', (payload) => payload.userId === colleague.id)).toEqual({ userId: colleague.id, projectId });
    const todo = await createTodo(server, member, { project_id: projectId });
    await memberClient.next('todoUpdated', (payload) => payload.todoId === todo.id);
    // The colleague still hears of the team (ideas) but no longer of the project.
    const idea = await server.request('POST', '/ideas', { token: member.token, body: { team_id: teamId, title: unique('idea-') } });
    await colleagueClient.next('ideaUpdated', (payload) => payload.ideaId === idea.body.id);
    expect(colleagueClient.received.some((item) => item.payload.todoId === todo.id)).toBe(false);
  });

  it('takes a removed member out of the project and the team at once', async () => {
    await colleagueClient.connection.invoke('JoinProject', projectId);
    await waitFor(() => colleagueClient.received.filter((item) => item.target === 'joinedProject').length >= 2, 'second joinedProject');
    // A non-admin must stay in some team: give the colleague the stranger's team first.
    const added = await server.request('POST', `/teams/${otherTeamId}/members?user_id=${colleague.id}&role=member`, { token: admin.token });
    expect(added.status, added.text).toBeLessThan(300);
    const removed = await server.request('DELETE', `/teams/${teamId}/members/${colleague.id}`, { token: admin.token });
    expect(removed.status, removed.text).toBeLessThan(300);
    expect(await colleagueClient.next('leftProject', (payload) => payload.reason === 'access_revoked')).toEqual({ projectId, reason: 'access_revoked' });
    const todo = await createTodo(server, member, { project_id: projectId });
    const idea = await server.request('POST', '/ideas', { token: member.token, body: { team_id: teamId, title: unique('idea-') } });
    await memberClient.next('ideaUpdated', (payload) => payload.ideaId === idea.body.id);
    // Make sure the colleague's connection has processed everything up to now.
    await strangerSentinel();
    // The colleague is now in the stranger's team: that team's ideas do reach them, this one's no longer.
    const otherIdea = await server.request('POST', '/ideas', { token: admin.token, body: { team_id: otherTeamId, title: unique('idea-') } });
    await colleagueClient.next('ideaUpdated', (payload) => payload.ideaId === otherIdea.body.id);
    expect(colleagueClient.received.some((item) => item.payload.todoId === todo.id || item.payload.ideaId === idea.body.id)).toBe(false);
  });

  it('re-checks the joiners of a project moved to another team before telling anyone', async () => {
    const movingId = await createProject(server, admin, teamId);
    await memberClient.connection.invoke('JoinProject', movingId);
    const moved = await server.request('PUT', `/projects/${movingId}`, { token: admin.token, body: { team_id: otherTeamId } });
    expect(moved.status, moved.text).toBe(200);
    expect(await memberClient.next('leftProject', (payload) => payload.projectId === movingId)).toEqual({ projectId: movingId, reason: 'access_revoked' });
    const todo = await createTodo(server, admin, { project_id: movingId });
    const idea = await server.request('POST', '/ideas', { token: admin.token, body: { team_id: teamId, title: unique('idea-') } });
    await memberClient.next('ideaUpdated', (payload) => payload.ideaId === idea.body.id);
    const seenAfterMove = memberClient.received.filter(
      (item) => item.payload.projectId === movingId && ['todoUpdated', 'projectUpdated'].includes(item.target) && (item.payload.changes as { action?: string }).action !== 'created',
    );
    expect(seenAfterMove).toEqual([]);
    expect(memberClient.received.some((item) => item.payload.todoId === todo.id)).toBe(false);
  });
});
