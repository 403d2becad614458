import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

/** Tenant isolation and write access for todos and features. */
describe('todo and feature access', () => {
  let server: TestServer;
  let admin: Session;
  let member: Session;
  let outsider: Session;
  let outsiderProject: string;
  let projectId: string;
  let feature: { id: string };
  let todo: { id: string; element_id: string };

  const api = (method: string, path: string, body: unknown, token: string) => server.request(method, path, { token, body });

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    const team = await createTeam(server, admin);
    member = await registerTeamMember(server, admin, team.id);
    const otherTeam = await createTeam(server, admin);
    outsider = await registerTeamMember(server, admin, otherTeam.id);
    projectId = (await api('POST', '/projects', { team_id: team.id, name: unique('p-') }, member.token)).body.id;
    outsiderProject = (await api('POST', '/projects', { team_id: otherTeam.id, name: unique('p-') }, outsider.token)).body.id;
    feature = (await api('POST', '/features', { project_id: projectId, name: unique('f-') }, member.token)).body;
    todo = (await api('POST', '/todos', { feature_id: feature.id, title: 'secret' }, member.token)).body;
  });
  afterAll(() => server.close());

  it('answers 404 to another team on every todo route, and changes nothing', async () => {
    const calls: [string, string, unknown, string][] = [
      ['GET', `/todos/${todo.id}`, undefined, 'Todo not found'],
      ['PUT', `/todos/${todo.id}`, { title: 'mine now' }, 'Todo not found'],
      ['PUT', `/todos/${todo.id}/status?status=in_progress`, undefined, 'Todo not found'],
      ['POST', `/todos/${todo.id}/assign?user_id=${outsider.id}`, undefined, 'Todo not found'],
      ['DELETE', `/todos/${todo.id}`, undefined, 'Todo not found'],
      ['GET', `/todos?project_id=${projectId}`, undefined, 'Project not found'],
      ['GET', `/todos?feature_id=${feature.id}`, undefined, 'Feature not found'],
      ['GET', `/todos?element_id=${todo.element_id}`, undefined, 'Element not found'],
      ['POST', '/todos', { project_id: projectId, title: 'x' }, 'Project not found'],
      ['POST', '/todos', { element_id: todo.element_id, title: 'x' }, 'Element not found'],
      ['POST', '/todos', { feature_id: feature.id, title: 'x' }, 'Feature not found'],
    ];
    for (const [method, path, body, detail] of calls) {
      const response = await api(method, path, body, outsider.token);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.detail, `${method} ${path}`).toBe(detail);
    }
    const unchanged = await api('GET', `/todos/${todo.id}`, undefined, member.token);
    expect(unchanged.body).toMatchObject({ title: 'secret', version: 1 });
  });

  it('answers 404 to another team on every feature route', async () => {
    const paths: [string, string, unknown][] = [
      ['GET', `/features/${feature.id}`, undefined],
      ['PUT', `/features/${feature.id}`, { name: 'mine' }],
      ['DELETE', `/features/${feature.id}`, undefined],
      ['GET', `/features/${feature.id}/todos`, undefined],
      ['GET', `/features/${feature.id}/elements`, undefined],
      ['GET', `/features/${feature.id}/delete-preview`, undefined],
      ['POST', `/features/${feature.id}/elements/${todo.element_id}`, undefined],
      ['POST', `/features/${feature.id}/calculate-progress`, undefined],
    ];
    for (const [method, path, body] of paths) {
      const response = await api(method, path, body, outsider.token);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.detail).toBe('Feature not found');
    }
    expect((await api('GET', `/features/project/${projectId}`, undefined, outsider.token)).status).toBe(404);
    expect((await api('POST', '/features', { project_id: projectId, name: 'x' }, outsider.token)).status).toBe(404);
    expect((await api('GET', `/features/${feature.id}`, undefined, member.token)).status).toBe(200);
  });

  it('answers 404 for ids of another team passed in bodies', async () => {
    const ownTodo = (await api('POST', '/todos', { project_id: outsiderProject, title: 'own' }, outsider.token)).body;
    const checks: [unknown, string][] = [
      [{ feature_id: feature.id }, 'Feature not found'],
      [{ element_id: todo.element_id }, 'Element not found'],
      [{ blocked_by: [todo.id] }, 'Blocking todo not found'],
      [{ assigned_to: member.id }, 'User not found'],
    ];
    for (const [body, detail] of checks) {
      const response = await api('PUT', `/todos/${ownTodo.id}`, body, outsider.token);
      expect(response.status, JSON.stringify(body)).toBe(404);
      expect(response.body.detail).toBe(detail);
    }
    const ownFeature = (await api('POST', '/features', { project_id: outsiderProject, name: 'f' }, outsider.token)).body;
    expect((await api('POST', `/features/${ownFeature.id}/elements/${todo.element_id}`, undefined, outsider.token)).status).toBe(404);
    expect((await api('POST', '/features', { project_id: outsiderProject, name: 'g', element_ids: [todo.element_id] }, outsider.token)).status).toBe(404);
  });

  it('keeps other teams out of the default assignee list', async () => {
    await api('POST', `/todos/${todo.id}/assign?user_id=${member.id}`, undefined, member.token);
    const list = await api('GET', `/todos?assigned_to=${member.id}`, undefined, outsider.token);
    expect(list.body.todos).toEqual([]);
  });

  it('lets members write and refuses writes to an archived project with 409', async () => {
    const archived = (await api('POST', '/projects', { team_id: (await api('GET', `/projects/${projectId}`, undefined, member.token)).body.team_id, name: unique('p-') }, member.token)).body;
    const inArchived = (await api('POST', '/todos', { project_id: archived.id, title: 'x' }, member.token)).body;
    const archivedFeature = (await api('POST', '/features', { project_id: archived.id, name: 'f' }, member.token)).body;
    expect((await api('PUT', `/projects/${archived.id}`, { status: 'archived' }, admin.token)).status).toBe(200);
    expect((await api('POST', '/todos', { project_id: archived.id, title: 'y' }, member.token)).status).toBe(409);
    expect((await api('PUT', `/todos/${inArchived.id}`, { title: 'y' }, member.token)).status).toBe(409);
    expect((await api('PUT', `/features/${archivedFeature.id}`, { name: 'y' }, member.token)).status).toBe(409);
    expect((await api('GET', `/todos/${inArchived.id}`, undefined, member.token)).status).toBe(200);
  });
});
