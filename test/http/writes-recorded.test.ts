import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activity, invitationCodes } from '../../src/db/schema.js';
import type { DomainEvent } from '../../src/events/types.js';
import { STRONG_PASSWORD, type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

// Every write of accounts, memberships and invitations goes through `mutate()`: it
// leaves its activity row (read straight from the table: the audit routes show only
// project content) and publishes its event after commit (heard on the server's bus).
describe('account, membership and invitation writes are recorded', () => {
  let server: TestServer;
  let admin: Session;
  let team: { id: string };
  let leader: Session;
  let events: DomainEvent[];
  let stop: () => void;

  const db = () => server.app.fastify.services.database.db;

  async function activityOf(entityIds: string[]) {
    const rows = await db().select().from(activity).where(inArray(activity.entityId, entityIds));
    return rows.map((row) => ({ action: row.action, actorId: row.actorId, entityId: row.entityId, teamId: row.teamId, after: row.after, before: row.before }));
  }

  /** The invitation's activity rows, found by its id (other files share the database). */
  async function invitationRows(code: string, action: string) {
    const [row] = await db().select({ id: invitationCodes.id }).from(invitationCodes).where(eq(invitationCodes.code, code));
    return db()
      .select()
      .from(activity)
      .where(and(eq(activity.action, `invitation.${action}`), eq(activity.entityId, row!.id)));
  }

  function heard(name: DomainEvent['name'], match: (payload: Record<string, unknown>) => boolean) {
    return events.filter((event) => event.name === name && match(event.payload));
  }

  const change = (payload: Record<string, unknown>) => (payload.changes ?? {}) as Record<string, unknown>;

  function register(code: string) {
    const email = `${unique('recorded-')}@example.test`;
    return server.request('POST', '/auth/register', { body: { email, password: STRONG_PASSWORD, name: 'Recorded', invitation_code: code } });
  }

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    team = await createTeam(server, admin);
    leader = await registerTeamMember(server, admin, team.id, 'team_leader');
    events = [];
    stop = server.app.fastify.services.events.subscribe((event) => {
      events.push(event);
    });
  });
  afterAll(async () => {
    stop();
    await server.close();
  });

  it('registration with a team code: the account, the membership and the use of the code, acted by the newcomer', async () => {
    const issued = await server.request('POST', `/teams/${team.id}/invitations`, { token: leader.token });
    const registered = await register(issued.body.code);
    expect(registered.status).toBe(201);
    const userId: string = registered.body.user.id;
    const rows = await activityOf([userId]);
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'user.registered', actorId: userId }),
        expect.objectContaining({ action: 'team.member_added', actorId: userId, teamId: team.id, after: { role: 'member' } }),
      ]),
    );
    const used = await invitationRows(issued.body.code, 'used');
    expect(used).toEqual([expect.objectContaining({ actorId: userId, teamId: team.id })]);
    expect(JSON.stringify(used[0])).not.toContain(issued.body.code);
    expect(heard('userUpdated', (payload) => payload.userId === userId)).toHaveLength(1);
    expect(heard('teamUpdated', (payload) => change(payload).userId === userId && change(payload).action === 'member_added')).toHaveLength(1);
  });

  it('registration with an admin code: the account and its own team', async () => {
    const issued = await server.request('POST', '/admin/invitations/admin', { token: admin.token });
    const registered = await register(issued.body.invitation.code);
    expect(registered.status).toBe(201);
    const userId: string = registered.body.user.id;
    const own = heard('teamUpdated', (payload) => change(payload).userId === userId && change(payload).action === 'member_added');
    expect(own).toHaveLength(1);
    const teamId = own[0]!.teamId;
    expect(heard('teamUpdated', (payload) => payload.teamId === teamId && change(payload).action === 'created')).toHaveLength(1);
    const rows = await activityOf([userId, teamId]);
    expect(rows.map((row) => row.action).sort()).toEqual(['team.created', 'team.member_added', 'user.registered']);
    expect(rows.every((row) => row.actorId === userId)).toBe(true);
  });

  it('issuing, accepting and revoking invitations', async () => {
    const existing = await registerTeamMember(server, admin, (await createTeam(server, admin)).id);
    events.length = 0;
    const issued = await server.request('POST', `/teams/${team.id}/invitations`, { token: leader.token });
    const spare = await server.request('POST', `/teams/${team.id}/invitations`, { token: leader.token });
    const adminCode: string = (await server.request('POST', '/admin/invitations/admin', { token: admin.token })).body.invitation.code;
    expect(await invitationRows(issued.body.code, 'created')).toEqual([expect.objectContaining({ actorId: leader.id, teamId: team.id })]);
    expect(await invitationRows(adminCode, 'created')).toEqual([expect.objectContaining({ actorId: admin.id, teamId: null })]);
    expect(heard('teamUpdated', (payload) => payload.teamId === team.id && change(payload).action === 'invitation_created')).toHaveLength(2);

    events.length = 0;
    expect((await server.request('POST', `/invitations/${issued.body.code}/accept`, { token: existing.token })).status).toBe(200);
    expect(await invitationRows(issued.body.code, 'used')).toEqual([expect.objectContaining({ actorId: existing.id, teamId: team.id })]);
    expect((await activityOf([existing.id])).filter((row) => row.action === 'team.member_added' && row.teamId === team.id)).toHaveLength(1);
    expect(heard('teamUpdated', (payload) => change(payload).userId === existing.id && change(payload).action === 'member_added')).toHaveLength(1);

    events.length = 0;
    // Looked up before they go: a revoked code's row is deleted.
    const [spareRow] = await db().select({ id: invitationCodes.id }).from(invitationCodes).where(eq(invitationCodes.code, spare.body.code));
    const [adminRow] = await db().select({ id: invitationCodes.id }).from(invitationCodes).where(eq(invitationCodes.code, adminCode));
    expect((await server.request('DELETE', `/teams/${team.id}/invitations/${spare.body.code}`, { token: leader.token })).status).toBe(200);
    expect((await server.request('DELETE', `/admin/invitations/${adminCode}`, { token: admin.token })).status).toBe(200);
    const revoked = await db()
      .select()
      .from(activity)
      .where(and(eq(activity.action, 'invitation.revoked'), inArray(activity.entityId, [spareRow!.id, adminRow!.id])));
    expect(revoked.map((row) => [row.entityId, row.actorId]).sort()).toEqual(
      [
        [spareRow!.id, leader.id],
        [adminRow!.id, admin.id],
      ].sort(),
    );
    expect(JSON.stringify(revoked)).not.toContain(spare.body.code);
    expect(heard('teamUpdated', (payload) => payload.teamId === team.id && change(payload).action === 'invitation_revoked')).toHaveLength(1);
  });

  it('admin user writes: create, role change, deactivation and deletion', async () => {
    events.length = 0;
    const email = `${unique('made-')}@example.test`;
    const created = await server.request('POST', '/admin/create-user', {
      token: admin.token,
      body: { email, password: STRONG_PASSWORD, name: 'Made', team_id: team.id },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const userId: string = created.body.user.id;
    expect((await server.request('PUT', `/admin/users/${userId}/role?role=team_leader`, { token: admin.token })).status).toBe(200);
    expect((await server.request('PUT', `/admin/users/${userId}`, { token: admin.token, body: { is_active: false } })).status).toBe(200);
    expect((await server.request('DELETE', `/admin/users/${userId}`, { token: admin.token })).status).toBe(200);

    const rows = await activityOf([userId]);
    expect(rows.map((row) => row.action).sort()).toEqual(['team.member_added', 'user.created', 'user.deactivated', 'user.deleted', 'user.role_changed']);
    expect(rows.every((row) => row.actorId === admin.id)).toBe(true);
    const userEvents = heard('userUpdated', (payload) => payload.userId === userId).map((event) => change(event.payload).action);
    expect(userEvents).toEqual(['created', 'role_changed', 'deactivated', 'deleted']);
    expect(heard('teamUpdated', (payload) => change(payload).userId === userId && change(payload).action === 'member_added')).toHaveLength(1);
  });

  it('an admin-created user without a team gets a personal team, recorded as such', async () => {
    events.length = 0;
    const created = await server.request('POST', '/admin/create-user', {
      token: admin.token,
      body: { email: `${unique('solo-')}@example.test`, password: STRONG_PASSWORD, name: unique('Solo ') },
    });
    expect(created.status).toBe(201);
    const userId: string = created.body.user.id;
    const joined = heard('teamUpdated', (payload) => change(payload).userId === userId && change(payload).action === 'member_added');
    expect(joined).toHaveLength(1);
    const rows = await activityOf([userId, joined[0]!.teamId]);
    expect(rows.map((row) => row.action).sort()).toEqual(['team.created', 'team.member_added', 'user.created']);
  });
});
