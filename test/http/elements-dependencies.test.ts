import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

describe('element dependencies', () => {
  let server: TestServer;
  let member: Session;
  let outsider: Session;
  let team: { id: string };
  let outsiderTeam: { id: string };
  let project: { id: string };

  beforeAll(async () => {
    server = await startServer();
    const admin = await loginAdmin(server);
    team = await createTeam(server, admin);
    member = await registerTeamMember(server, admin, team.id);
    outsiderTeam = await createTeam(server, admin);
    outsider = await registerTeamMember(server, admin, outsiderTeam.id);
    project = await newProject(member);
  });
  afterAll(() => server.close());

  async function newProject(owner: Session, teamId = team.id): Promise<{ id: string }> {
    const response = await server.request('POST', '/projects', { token: owner.token, body: { team_id: teamId, name: unique('p-') } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body;
  }

  async function element(projectId = project.id, token = member.token): Promise<{ id: string }> {
    const response = await server.request('POST', '/elements', { token, body: { project_id: projectId, type: 'component', title: unique('e-') } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body;
  }

  const depend = (from: string, to: string, type = 'blocks') =>
    server.request('POST', `/elements/${from}/dependencies`, { token: member.token, body: { depends_on_element_id: to, dependency_type: type } });

  it('records a dependency and lists it on the element', async () => {
    const [a, b] = [await element(), await element()];
    const created = await depend(a.id, b.id, 'requires');
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      element_id: a.id,
      depends_on_element_id: b.id,
      dependency_type: 'requires',
      created_at: expect.stringMatching(/Z$/),
    });
    const list = await server.request('GET', `/elements/${a.id}/dependencies`, { token: member.token });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ dependencies: [created.body] });
    const detail = await server.request('GET', `/elements/${a.id}`, { token: member.token });
    expect(detail.body.dependencies).toEqual([{ id: created.body.id, depends_on_element_id: b.id, dependency_type: 'requires' }]);
    // Only what the element depends on, not what depends on it.
    expect((await server.request('GET', `/elements/${b.id}/dependencies`, { token: member.token })).body).toEqual({ dependencies: [] });
  });

  it('refuses an element depending on itself', async () => {
    const a = await element();
    const response = await depend(a.id, a.id);
    expect(response.status).toBe(400);
    expect(response.body.detail).toBe('Element cannot depend on itself');
  });

  it('refuses the direct reverse of an existing dependency', async () => {
    const [a, b] = [await element(), await element()];
    expect((await depend(a.id, b.id)).status).toBe(201);
    const reverse = await depend(b.id, a.id, 'related');
    expect(reverse.status).toBe(400);
    expect(reverse.body.detail).toBe('Circular dependency detected');
  });

  it('refuses a cycle closed through other elements (a→b→c, then c→a)', async () => {
    const [a, b, c, d] = [await element(), await element(), await element(), await element()];
    expect((await depend(a.id, b.id)).status).toBe(201);
    expect((await depend(b.id, c.id)).status).toBe(201);
    expect((await depend(c.id, d.id)).status).toBe(201);
    for (const [from, to] of [
      [c.id, a.id],
      [d.id, a.id],
      [d.id, b.id],
    ]) {
      const response = await depend(from!, to!);
      expect(response.status).toBe(400);
      expect(response.body.detail).toBe('Circular dependency detected');
    }
    // A shortcut in the same direction is no cycle.
    expect((await depend(a.id, d.id)).status).toBe(201);
  });

  it('refuses a duplicate, whatever its type', async () => {
    const [a, b] = [await element(), await element()];
    expect((await depend(a.id, b.id, 'blocks')).status).toBe(201);
    const duplicate = await depend(a.id, b.id, 'related');
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.detail).toBe('Dependency already exists');
  });

  it('keeps exactly one of two concurrent identical requests', async () => {
    const [a, b] = [await element(), await element()];
    const answers = await Promise.all([depend(a.id, b.id), depend(a.id, b.id), depend(a.id, b.id)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 400, 400]);
  });

  it('refuses one of two concurrent opposite dependencies', async () => {
    const [a, b] = [await element(), await element()];
    const answers = await Promise.all([depend(a.id, b.id), depend(b.id, a.id)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 400]);
  });

  it('rejects an unknown dependency type with 400 naming the types, a missing target with 422', async () => {
    const [a, b] = [await element(), await element()];
    const precedes = await depend(a.id, b.id, 'precedes');
    expect(precedes.status).toBe(400);
    expect(precedes.body.detail).toBe('dependency_type must be one of: blocks, requires, related (got "precedes")');
    const missing = await server.request('POST', `/elements/${a.id}/dependencies`, { token: member.token, body: { dependency_type: 'blocks' } });
    expect(missing.status).toBe(422);
  });

  it('keeps dependencies inside one project', async () => {
    const a = await element();
    const sameTeam = await element((await newProject(member)).id);
    const crossProject = await depend(a.id, sameTeam.id);
    expect(crossProject.status).toBe(400);
    expect(crossProject.body.detail).toBe('Elements must belong to the same project');

    const otherTeamElement = await element((await newProject(outsider, outsiderTeam.id)).id, outsider.token);
    const hidden = await depend(a.id, otherTeamElement.id);
    expect(hidden.status).toBe(404);
    expect(hidden.body.detail).toBe('Element not found');
    expect((await depend(a.id, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('removes a dependency once, and only through its own element', async () => {
    const [a, b, c] = [await element(), await element(), await element()];
    const dependency = await depend(a.id, b.id);
    const wrongElement = await server.request('DELETE', `/elements/${c.id}/dependencies/${dependency.body.id}`, { token: member.token });
    expect(wrongElement.status).toBe(404);
    expect(wrongElement.body.detail).toBe('Dependency not found');
    expect((await server.request('DELETE', `/elements/${a.id}/dependencies/${dependency.body.id}`, { token: member.token })).status).toBe(204);
    const again = await server.request('DELETE', `/elements/${a.id}/dependencies/${dependency.body.id}`, { token: member.token });
    expect(again.status).toBe(404);
    expect(again.body.detail).toBe('Dependency not found');
    // With the link gone, the reverse is allowed.
    expect((await depend(b.id, a.id)).status).toBe(201);
  });

  it('answers 422 for a malformed dependency id', async () => {
    const a = await element();
    expect((await server.request('DELETE', `/elements/${a.id}/dependencies/nope`, { token: member.token })).status).toBe(422);
  });

  it('publishes dependency_added and dependency_removed', async () => {
    const [a, b] = [await element(), await element()];
    const actions: unknown[] = [];
    const unsubscribe = server.app.fastify.services.events.subscribe((event) => {
      if (event.projectId === project.id) actions.push(event.payload.changes);
    });
    try {
      const dependency = await depend(a.id, b.id);
      await server.request('DELETE', `/elements/${a.id}/dependencies/${dependency.body.id}`, { token: member.token });
      expect(actions).toEqual([
        { action: 'dependency_added', element_id: a.id, dependency_id: dependency.body.id },
        { action: 'dependency_removed', element_id: a.id, dependency_id: dependency.body.id },
      ]);
    } finally {
      unsubscribe();
    }
  });

});
