import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activity, projectElements } from '../../src/db/schema.js';
import type { DomainEvent } from '../../src/events/types.js';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

describe('ideas', () => {
  let server: TestServer;
  let admin: Session;
  let leader: Session;
  let member: Session;
  let outsider: Session;
  let team: { id: string };
  let otherTeam: { id: string };
  const events: DomainEvent[] = [];

  const db = () => server.app.fastify.services.database.db;

  async function createIdea(body: Record<string, unknown> = {}, token = member.token) {
    const response = await server.request('POST', '/ideas', { token, body: { team_id: team.id, title: unique('idea-'), ...body } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body;
  }

  beforeAll(async () => {
    server = await startServer();
    server.app.fastify.services.events.subscribe((event) => {
      events.push(event);
    });
    admin = await loginAdmin(server);
    team = await createTeam(server, admin);
    leader = await registerTeamMember(server, admin, team.id, 'team_leader');
    member = await registerTeamMember(server, admin, team.id);
    otherTeam = await createTeam(server, admin);
    outsider = await registerTeamMember(server, admin, otherTeam.id, 'team_leader');
  });
  afterAll(() => server.close());

  describe('creating and reading', () => {
    it('lets a member note an idea, a draft by default, and announces it to the team', async () => {
      const idea = await createIdea({ title: 'Dark mode', description: 'Eyes', tags: ['ui'] });
      expect(idea).toMatchObject({ team_id: team.id, title: 'Dark mode', description: 'Eyes', status: 'draft', tags: ['ui'], converted_to_project_id: null, created_by: member.id });
      expect(idea.created_at).toMatch(/Z$/);
      const announced = events.find((event) => event.name === 'ideaUpdated' && event.payload.ideaId === idea.id);
      expect(announced).toMatchObject({ teamId: team.id, actorId: member.id, payload: { ideaId: idea.id, teamId: team.id, changes: { action: 'created' } } });
      // Ideas belong to the team, not to a project: no project, so no project seq.
      expect(announced?.projectId).toBeUndefined();
      const got = await server.request('GET', `/ideas/${idea.id}`, { token: leader.token });
      expect(got.body).toEqual(idea);
    });

    it('refuses a team the caller is not in (404 "Team not found") and a bad status (400)', async () => {
      const response = await server.request('POST', '/ideas', { token: outsider.token, body: { team_id: team.id, title: 'x' } });
      expect(response.status).toBe(404);
      expect(response.body.detail).toBe('Team not found');
      expect((await server.request('POST', '/ideas', { token: member.token, body: { team_id: team.id, title: 'x', status: 'done' } })).status).toBe(400);
      expect((await server.request('POST', '/ideas', { token: member.token, body: { team_id: team.id, title: '' } })).status).toBe(422);
    });

    it('lists the caller’s teams’ ideas newest first; an admin sees all', async () => {
      const a = await createIdea({ status: 'active' });
      const b = await createIdea();
      const foreign = (await server.request('POST', '/ideas', { token: outsider.token, body: { team_id: otherTeam.id, title: 'theirs' } })).body;

      const mine = await server.request('GET', '/ideas', { token: member.token });
      expect(mine.status).toBe(200);
      const ids = mine.body.ideas.map((i: { id: string }) => i.id);
      expect(ids.indexOf(b.id)).toBeLessThan(ids.indexOf(a.id));
      expect(ids).not.toContain(foreign.id);
      expect(mine.body.total).toBe(ids.length);

      const all = await server.request('GET', '/ideas?page_size=100', { token: admin.token });
      expect(all.body.ideas.map((i: { id: string }) => i.id)).toEqual(expect.arrayContaining([a.id, foreign.id]));

      const active = await server.request('GET', `/ideas?status=active&team_id=${team.id}`, { token: member.token });
      expect(active.body.ideas.every((i: { status: string }) => i.status === 'active')).toBe(true);
      expect(active.body.ideas.map((i: { id: string }) => i.id)).toContain(a.id);

      const foreignFilter = await server.request('GET', `/ideas?team_id=${otherTeam.id}`, { token: member.token });
      expect(foreignFilter.status).toBe(404);
    });

    it('pages with page/page_size and with skip/limit', async () => {
      const pageTeam = await createTeam(server, admin);
      const made: string[] = [];
      for (let i = 0; i < 3; i++) {
        made.push((await server.request('POST', '/ideas', { token: admin.token, body: { team_id: pageTeam.id, title: `i${i}` } })).body.id);
      }
      const second = await server.request('GET', `/ideas?team_id=${pageTeam.id}&page=2&page_size=2`, { token: admin.token });
      expect(second.body).toMatchObject({ total: 3, page: 2, page_size: 2 });
      expect(second.body.ideas.map((i: { id: string }) => i.id)).toEqual([made[0]]);
      const skipped = await server.request('GET', `/ideas?team_id=${pageTeam.id}&skip=1&limit=1`, { token: admin.token });
      expect(skipped.body).toMatchObject({ total: 3, page: 2, page_size: 1 });
      expect(skipped.body.ideas.map((i: { id: string }) => i.id)).toEqual([made[1]]);
    });
  });

  describe('editing', () => {
    it('lets only team leaders edit (403 for members)', async () => {
      const idea = await createIdea({ tags: ['x'] });
      const refused = await server.request('PUT', `/ideas/${idea.id}`, { token: member.token, body: { title: 'no' } });
      expect(refused.status).toBe(403);
      expect(refused.body.detail).toBe('Only team leaders can edit ideas');
      const updated = await server.request('PUT', `/ideas/${idea.id}`, { token: leader.token, body: { status: 'active', description: null } });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ title: idea.title, status: 'active', description: null, tags: ['x'], updated_by: leader.id });
      expect(events).toContainEqual(expect.objectContaining({ name: 'ideaUpdated', payload: expect.objectContaining({ ideaId: idea.id, changes: { action: 'updated', fields: ['description', 'status'] } }) }));
    });

    it('lets only team leaders delete (204)', async () => {
      const idea = await createIdea();
      expect((await server.request('DELETE', `/ideas/${idea.id}`, { token: member.token })).status).toBe(403);
      const deleted = await server.request('DELETE', `/ideas/${idea.id}`, { token: leader.token });
      expect(deleted.status).toBe(204);
      expect((await server.request('GET', `/ideas/${idea.id}`, { token: member.token })).status).toBe(404);
    });
  });

  describe('conversion', () => {
    it('turns an idea into a project of its team, with the Default element, once', async () => {
      const idea = await createIdea({ title: 'Mobile app', description: 'On phones', tags: ['mobile'] });
      const refused = await server.request('POST', `/ideas/${idea.id}/convert`, { token: member.token });
      expect(refused.status).toBe(403);

      const converted = await server.request('POST', `/ideas/${idea.id}/convert`, { token: leader.token, body: { technology_tags: ['kotlin'] } });
      expect(converted.status, JSON.stringify(converted.body)).toBe(201);
      expect(converted.body).toMatchObject({
        team_id: team.id,
        name: 'Mobile app',
        description: 'On phones',
        status: 'active',
        tags: ['mobile'],
        technology_tags: ['kotlin'],
        created_by: leader.id,
      });
      const projectId = converted.body.id;
      const elements = await db()
        .select()
        .from(projectElements)
        .where(and(eq(projectElements.projectId, projectId), eq(projectElements.title, 'Default')));
      expect(elements).toHaveLength(1);

      const again = await server.request('POST', `/ideas/${idea.id}/convert`, { token: admin.token, body: { project_name: 'Other' } });
      expect(again.status).toBe(201);
      expect(again.body.id).toBe(projectId);
      expect(again.body.name).toBe('Mobile app');

      const after = await server.request('GET', `/ideas/${idea.id}`, { token: member.token });
      expect(after.body).toMatchObject({ converted_to_project_id: projectId, status: idea.status });
      expect((await server.request('GET', `/projects/${projectId}`, { token: member.token })).status).toBe(200);

      expect(events).toContainEqual(
        expect.objectContaining({ name: 'ideaUpdated', teamId: team.id, payload: expect.objectContaining({ ideaId: idea.id, changes: { action: 'converted_to_project', converted_to_project_id: projectId } }) }),
      );
      expect(events).toContainEqual(expect.objectContaining({ name: 'projectUpdated', projectId, payload: { projectId, changes: { action: 'created' } } }));
      const rows = await db().select().from(activity).where(eq(activity.entityId, idea.id));
      expect(rows.map((row) => row.action)).toContain('idea.converted');
    });

    it('uses the given name, description, status and tags; an empty tag list falls back to the idea’s', async () => {
      const idea = await createIdea({ tags: ['from-idea'] });
      const given = await server.request('POST', `/ideas/${idea.id}/convert`, {
        token: leader.token,
        body: { project_name: 'Named', project_description: 'Desc', project_status: 'paused', project_tags: ['given'] },
      });
      expect(given.body).toMatchObject({ name: 'Named', description: 'Desc', status: 'paused', tags: ['given'], technology_tags: [] });

      const fallback = await createIdea({ tags: ['from-idea'] });
      const converted = await server.request('POST', `/ideas/${fallback.id}/convert`, { token: leader.token, body: { project_tags: [] } });
      expect(converted.body.tags).toEqual(['from-idea']);
    });

    it('gives one project to two racing conversions', async () => {
      const idea = await createIdea();
      const results = await Promise.all([0, 1, 2].map(() => server.request('POST', `/ideas/${idea.id}/convert`, { token: leader.token })));
      expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    });

    it('refuses to convert an archived idea', async () => {
      const idea = await createIdea({ status: 'archived' });
      const response = await server.request('POST', `/ideas/${idea.id}/convert`, { token: leader.token });
      expect(response.status).toBe(400);
      expect(response.body.detail).toMatch(/archived/i);
    });
  });

  it('answers 404 "Idea not found" to another team on every route', async () => {
    const idea = await createIdea();
    const calls: [string, string, unknown?][] = [
      ['GET', `/ideas/${idea.id}`],
      ['PUT', `/ideas/${idea.id}`, { title: 'x' }],
      ['DELETE', `/ideas/${idea.id}`],
      ['POST', `/ideas/${idea.id}/convert`, {}],
    ];
    for (const [method, path, body] of calls) {
      const response = await server.request(method, path, { token: outsider.token, body });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.detail).toBe('Idea not found');
    }
    expect((await server.request('GET', `/ideas/${idea.id}`, { token: member.token })).body.converted_to_project_id).toBeNull();
  });

  it('answers 422 to an id that is not a UUID', async () => {
    expect((await server.request('GET', '/ideas/nope', { token: member.token })).status).toBe(422);
    expect((await server.request('POST', '/ideas/nope/convert', { token: leader.token })).status).toBe(422);
  });

  it('serves the same routes under /v1', async () => {
    const created = await server.request('POST', '/v1/ideas', { token: member.token, body: { team_id: team.id, title: 'v1' } });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await server.request('GET', `/v1/ideas/${id}`, { token: member.token })).status).toBe(200);
    expect((await server.request('GET', '/v1/ideas', { token: member.token })).status).toBe(200);
    expect((await server.request('PUT', `/v1/ideas/${id}`, { token: leader.token, body: { title: 'v1b' } })).body.title).toBe('v1b');
    expect((await server.request('POST', `/v1/ideas/${id}/convert`, { token: leader.token })).status).toBe(201);
    expect((await server.request('DELETE', `/v1/ideas/${id}`, { token: leader.token })).status).toBe(204);
  });
});
