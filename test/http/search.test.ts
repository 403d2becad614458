import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

interface Hit {
  type: string;
  id: string;
  project_id: string;
  title: string;
  snippet: string;
  rank: number;
}

describe('full-text search', () => {
  let server: TestServer;
  let admin: Session;
  let member: Session;
  let outsider: Session;
  let project: { id: string };
  let otherProject: { id: string };
  let foreignProject: { id: string };
  // A word nobody else's test data contains, so totals are exact.
  const word = unique('kw');
  const ids: Record<string, string> = {};

  async function post(session: Session, path: string, body: Record<string, unknown>) {
    const response = await server.request('POST', path, { token: session.token, body });
    expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(201);
    return response.body;
  }

  async function find(session: Session, query: string) {
    const response = await server.request('GET', `/search?${query}`, { token: session.token });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body as { results: Hit[]; total: number };
  }

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    const team = await createTeam(server, admin);
    member = await registerTeamMember(server, admin, team.id);
    const foreignTeam = await createTeam(server, admin);
    outsider = await registerTeamMember(server, admin, foreignTeam.id);
    project = await post(member, '/projects', { team_id: team.id, name: unique('p-') });
    otherProject = await post(member, '/projects', { team_id: team.id, name: unique('p-') });
    foreignProject = await post(outsider, '/projects', { team_id: foreignTeam.id, name: unique('p-') });

    ids.titleTodo = (await post(member, '/todos', { project_id: project.id, title: `Fix the ${word} parser`, description: 'crashes on empty input' })).id;
    ids.bodyTodo = (await post(member, '/todos', { project_id: project.id, title: 'Unrelated chore', description: `mentions ${word} once, deep in the text` })).id;
    ids.feature = (await post(member, '/features', { project_id: otherProject.id, name: `${word} importer`, description: 'Bulk import' })).id;
    ids.document = (await post(member, '/documents', {
      project_id: project.id,
      type: 'architecture',
      title: 'Architecture notes',
      content: `# Overview\n\nThe ${word} pipeline reads events and writes projections.`,
    })).id;
    ids.foreign = (await post(outsider, '/todos', { project_id: foreignProject.id, title: `${word} in another team` })).id;
  });
  afterAll(() => server.close());

  it('finds each type, over every readable project by default', async () => {
    const found = await find(member, `q=${word}`);
    expect(found.total).toBe(4);
    const byId = new Map(found.results.map((hit) => [hit.id, hit]));
    expect(byId.get(ids.titleTodo!)).toMatchObject({ type: 'todo', project_id: project.id, title: `Fix the ${word} parser` });
    expect(byId.get(ids.feature!)).toMatchObject({ type: 'feature', project_id: otherProject.id, title: `${word} importer` });
    expect(byId.get(ids.document!)).toMatchObject({ type: 'document', project_id: project.id, title: 'Architecture notes' });
    expect(byId.get(ids.document!)!.snippet).toContain(`**${word}**`);
    expect(byId.has(ids.bodyTodo!)).toBe(true);
  });

  it('ranks a title match above a body match', async () => {
    const found = await find(member, `q=${word}&types=todo`);
    expect(found.results.map((hit) => hit.id)).toEqual([ids.titleTodo, ids.bodyTodo]);
    expect(found.results[0]!.rank).toBeGreaterThan(found.results[1]!.rank);
  });

  it('never shows another team\'s matches, and hides their project behind 404', async () => {
    const mine = await find(member, `q=${word}&limit=100`);
    expect(mine.results.map((hit) => hit.id)).not.toContain(ids.foreign);
    const theirs = await find(outsider, `q=${word}`);
    expect(theirs.results.map((hit) => hit.id)).toEqual([ids.foreign]);
    expect(theirs.total).toBe(1);
    const forbidden = await server.request('GET', `/search?q=${word}&project_id=${project.id}`, { token: outsider.token });
    expect(forbidden.status).toBe(404);
    expect((await find(admin, `q=${word}`)).total).toBe(5);
  });

  it('narrows by project, by type, and pages by limit with the full total', async () => {
    const inProject = await find(member, `q=${word}&project_id=${project.id}`);
    expect(inProject.results.map((hit) => hit.project_id)).toEqual(Array(3).fill(project.id));
    const featuresOnly = await find(member, `q=${word}&types=feature`);
    expect(featuresOnly.results.map((hit) => hit.id)).toEqual([ids.feature]);
    const docsAndFeatures = await find(member, `q=${word}&types=document,feature`);
    expect(new Set(docsAndFeatures.results.map((hit) => hit.type))).toEqual(new Set(['document', 'feature']));
    const limited = await find(member, `q=${word}&limit=1`);
    expect(limited.results).toHaveLength(1);
    expect(limited.total).toBe(4);
  });

  it('understands web-search syntax', async () => {
    const phrase = await find(member, `q=${encodeURIComponent(`"${word} parser"`)}`);
    expect(phrase.results.map((hit) => hit.id)).toEqual([ids.titleTodo]);
    const excluded = await find(member, `q=${encodeURIComponent(`${word} -parser`)}&types=todo`);
    expect(excluded.results.map((hit) => hit.id)).toEqual([ids.bodyTodo]);
    expect((await find(member, `q=${encodeURIComponent('(((')}`)).total).toBe(0);
  });

  it('rejects an empty, blank or oversized query and unknown types with 422', async () => {
    for (const query of ['', 'q=', 'q=%20%20', `q=${'x'.repeat(201)}`, `q=${word}&types=idea`, `q=${word}&limit=0`]) {
      const response = await server.request('GET', `/search?${query}`, { token: member.token });
      expect(response.status, query).toBe(422);
    }
    expect((await server.request('GET', `/search?q=${word}`)).status).toBe(401);
  });

  it('answers an empty or blank q with one error entry naming q, not one per rule', async () => {
    for (const query of ['q=', 'q=%20%20']) {
      const response = await server.request('GET', `/search?${query}`, { token: member.token });
      expect(response.status, query).toBe(422);
      expect(response.body.detail, query).toHaveLength(1);
      expect(response.body.detail[0].loc).toEqual(['query', 'q']);
    }
  });
});
