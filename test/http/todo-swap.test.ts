import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activity, todos } from '../../src/db/schema.js';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

/**
 * A plain todo change (title, text, priority…) starts from the row this process last
 * wrote and is written by a compare-and-swap on its version. These are the cases
 * where that row is no longer what the database holds, and no event said so: the
 * change must be decided on the database's row, and nothing may be lost.
 */
describe('todo compare-and-swap', () => {
  let server: TestServer;
  let admin: Session;
  let member: Session;
  let teamId: string;
  let projectId: string;

  const api = (method: string, path: string, body?: unknown, token = member.token) => server.request(method, path, { token, body });
  const db = () => server.app.fastify.services.database.db;
  const newTodo = async () => {
    const response = await api('POST', '/todos', { project_id: projectId, title: unique('todo-') });
    expect(response.status).toBe(201);
    return response.body;
  };

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    teamId = (await createTeam(server, admin)).id;
    member = await registerTeamMember(server, admin, teamId);
    projectId = (await api('POST', '/projects', { team_id: teamId, name: unique('p-') })).body.id;
  });
  afterAll(() => server.close());

  it('keeps a change another process made behind our back, and refuses a version it replaced', async () => {
    const todo = await newTodo();
    expect((await api('PUT', `/todos/${todo.id}`, { title: 'ours' })).body.version).toBe(2);
    // Another process (no event reaches this one) changes the description.
    await db()
      .update(todos)
      .set({ description: 'theirs', version: sql`${todos.version} + 1` })
      .where(eq(todos.id, todo.id));

    const stale = await api('PUT', `/todos/${todo.id}`, { title: 'stale', expected_version: 2 });
    expect(stale.status).toBe(409);
    expect(stale.body.current_version).toBe(3);

    const fresh = await api('PUT', `/todos/${todo.id}`, { title: 'ours again' });
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ title: 'ours again', description: 'theirs', version: 4 });
  });

  it('writes the activity row with the row before and after, as the answer shows it', async () => {
    const todo = await newTodo();
    const changed = await api('PUT', `/todos/${todo.id}`, { title: 'audited', priority: 'high', description: 'why' });
    expect(changed.status).toBe(200);
    const [row] = await db()
      .select()
      .from(activity)
      .where(and(eq(activity.entityId, todo.id), eq(activity.action, 'todo.updated')));
    expect(row).toMatchObject({ actorId: member.id, teamId, projectId, entityType: 'todo' });
    const after = row!.after as Record<string, unknown>;
    expect(after).toMatchObject({ title: 'audited', priority: 'high', description: 'why', version: 2, updatedAt: changed.body.updated_at });
    expect(row!.before).toMatchObject({ title: todo.title, version: 1 });
  });

  it('survives a reference its kept row still names being deleted (the foreign key set null, no new version)', async () => {
    const teammate = await registerTeamMember(server, admin, teamId);
    const todo = await newTodo();
    const assigned = await api('POST', `/todos/${todo.id}/assign?user_id=${teammate.id}`);
    expect(assigned.body.assigned_to).toBe(teammate.id);
    await api('PUT', `/todos/${todo.id}`, { title: 'kept with an assignee' });
    expect((await server.request('DELETE', `/admin/users/${teammate.id}`, { token: admin.token })).status).toBe(200);

    const after = await api('PUT', `/todos/${todo.id}`, { title: 'after the deletion' });
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ title: 'after the deletion', assigned_to: null });
  });

  it('never writes an activity row naming a creator deleted since the row was kept', async () => {
    const creator = await registerTeamMember(server, admin, teamId);
    const created = await api('POST', '/todos', { project_id: projectId, title: unique('todo-') }, creator.token);
    expect(created.status).toBe(201);
    await api('PUT', `/todos/${created.body.id}`, { title: 'kept with its creator' });
    expect((await server.request('DELETE', `/admin/users/${creator.id}`, { token: admin.token })).status).toBe(200);

    const after = await api('PUT', `/todos/${created.body.id}`, { title: 'after the creator left' });
    expect(after.status).toBe(200);
    expect(after.body.created_by).toBeNull();
    const rows = await db()
      .select()
      .from(activity)
      .where(and(eq(activity.entityId, created.body.id), eq(activity.action, 'todo.updated')));
    const last = rows.find((row) => (row.after as { title?: string }).title === 'after the creator left')!;
    expect(last.before).toMatchObject({ createdBy: null });
    expect(last.after).toMatchObject({ createdBy: null });
  });

  it('answers 404 for a todo deleted after this process kept it', async () => {
    const todo = await newTodo();
    await api('PUT', `/todos/${todo.id}`, { title: 'kept' });
    await db().delete(todos).where(eq(todos.id, todo.id));
    expect((await api('PUT', `/todos/${todo.id}`, { title: 'gone' })).status).toBe(404);
  });
});
