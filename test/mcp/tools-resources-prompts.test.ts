import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { advanceTodo, createFeature, createProject, createTodo } from '../helpers/content.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';
import { type McpConnection, connectMcp, connectResourcesAndPrompts, createMcpKey } from './tool-groups.fixture.js';

describe('MCP resources and prompts', () => {
  let server: TestServer;
  let member: Session;
  let projectId: string;
  let archivedId: string;
  let otherProjectId: string;
  let mine: McpConnection;
  let theirs: McpConnection;

  beforeAll(async () => {
    server = await startServer();
    const admin = await loginAdmin(server);
    const team = await createTeam(server, admin);
    const leader = await registerTeamMember(server, admin, team.id, 'team_leader');
    member = await registerTeamMember(server, leader, team.id);
    projectId = await createProject(server, leader, team.id, { name: unique('Visible-'), cursor_instructions: 'Be brief.' });
    archivedId = await createProject(server, leader, team.id, { status: 'archived' });
    const otherTeam = await createTeam(server, admin);
    const stranger = await registerTeamMember(server, admin, otherTeam.id, 'team_leader');
    otherProjectId = await createProject(server, stranger, otherTeam.id);
    mine = await connectResourcesAndPrompts(server, member);
    theirs = await connectResourcesAndPrompts(server, stranger);
  });

  afterAll(async () => {
    await Promise.all([mine?.close(), theirs?.close()]);
    await server?.close();
  });

  describe('resources', () => {
    it('lists only the caller’s non-archived projects, their rules, open features and documents', async () => {
      const feature = await createFeature(server, member, projectId, { name: unique('Checkout ') });
      const document = await createDocumentVia(projectId, 'architecture', 'Overview');
      const { resources } = await mine.client.listResources();
      const uris = resources.map((resource) => resource.uri);
      expect(uris).toEqual(
        expect.arrayContaining([
          `intracker://project/${projectId}`,
          `intracker://project/${projectId}/cursor-rules`,
          `intracker://feature/${feature.id}`,
          `intracker://document/${document}`,
        ]),
      );
      expect(uris.some((uri) => uri.includes(archivedId))).toBe(false);
      expect(uris.some((uri) => uri.includes(otherProjectId))).toBe(false);
      expect(resources.find((resource) => resource.uri === `intracker://feature/${feature.id}`)?.description).toContain('(0% complete)');
      const { resources: strangers } = await theirs.client.listResources();
      expect(strangers.map((resource) => resource.uri).some((uri) => uri.includes(projectId))).toBe(false);
    });

    it('reads a project as JSON and its cursor-rules as the generated markdown', async () => {
      const project = await mine.client.readResource({ uri: `intracker://project/${projectId}` });
      expect(JSON.parse(textOf(project))).toMatchObject({ id: projectId, cursor_instructions: 'Be brief.' });
      const rules = await mine.client.readResource({ uri: `intracker://project/${projectId}/cursor-rules` });
      expect(rules.contents[0]).toMatchObject({ mimeType: 'text/markdown' });
      expect(textOf(rules)).toContain('name: intracker-project-rules');
      expect(textOf(rules)).toContain('Be brief.');
    });

    it('reads a feature with its todos and their versions', async () => {
      const feature = await createFeature(server, member, projectId);
      const todo = await advanceTodo(server, member, await createTodo(server, member, { feature_id: feature.id }), 'in_progress');
      const read = await mine.client.readResource({ uri: `intracker://feature/${feature.id}` });
      const body = JSON.parse(textOf(read));
      expect(body).toMatchObject({ id: feature.id, status: 'in_progress', total_todos: 1 });
      expect(body.todos).toEqual([{ id: todo.id, title: todo.title, status: 'in_progress', version: todo.version }]);
    });

    it('reads architecture documents as markdown and others as JSON', async () => {
      const architecture = await createDocumentVia(projectId, 'architecture', 'Layers');
      const raw = await mine.client.readResource({ uri: `intracker://document/${architecture}` });
      expect(raw.contents[0]).toMatchObject({ mimeType: 'text/markdown', text: '# Layers' });
      const notes = await createDocumentVia(projectId, 'notes', 'Scratch');
      const json = await mine.client.readResource({ uri: `intracker://document/${notes}` });
      expect(JSON.parse(textOf(json))).toMatchObject({ id: notes, type: 'notes', content: '# Scratch', version: 1 });
    });

    it('refuses another team’s resources and unknown URIs', async () => {
      await expect(theirs.client.readResource({ uri: `intracker://project/${projectId}` })).rejects.toThrow(/Project not found/);
      await expect(theirs.client.readResource({ uri: `intracker://project/${projectId}/cursor-rules` })).rejects.toThrow(/Project not found/);
      await expect(mine.client.readResource({ uri: 'intracker://project/not-an-id' })).rejects.toThrow(/must be an id/);
      await expect(mine.client.readResource({ uri: 'intracker://elsewhere/x' })).rejects.toThrow();
    });

    it('lists only the bound project for a bound connection', async () => {
      const otherOwn = await createProject(server, member, (await server.request('GET', `/projects/${projectId}`, { token: member.token })).body.team_id);
      const bound = await connectResourcesAndPrompts(server, member, { boundProjectId: projectId });
      try {
        const { resources } = await bound.client.listResources();
        expect(resources.some((resource) => resource.uri === `intracker://project/${projectId}`)).toBe(true);
        expect(resources.some((resource) => resource.uri.includes(otherOwn))).toBe(false);
        await expect(bound.client.readResource({ uri: `intracker://project/${otherOwn}` })).rejects.toThrow(/Project not found/);
      } finally {
        await bound.close();
      }
    });
  });

  it('are served over the real /mcp endpoint too', async () => {
    const remote = await connectMcp(server, await createMcpKey(server, member), { tools: 'core' });
    try {
      const { resources } = await remote.client.listResources();
      expect(resources.map((resource) => resource.uri)).toContain(`intracker://project/${projectId}/cursor-rules`);
      const rules = await remote.client.readResource({ uri: `intracker://project/${projectId}/cursor-rules` });
      expect(textOf(rules)).toContain('name: intracker-project-rules');
      const { prompts } = await remote.client.listPrompts();
      expect(prompts.map((prompt) => prompt.name)).toEqual(expect.arrayContaining(['resume_work', 'start_feature', 'finish_todo']));
    } finally {
      await remote.close();
    }
  });

  describe('prompts', () => {
    it('offers resume_work, start_feature and finish_todo', async () => {
      const { prompts } = await mine.client.listPrompts();
      expect(prompts.map((prompt) => prompt.name).sort()).toEqual(['finish_todo', 'resume_work', 'start_feature']);
    });

    it('resume_work carries the next todos with versions and the session steps', async () => {
      const todo = await createTodo(server, member, { project_id: projectId, title: unique('resume-') });
      const prompt = await mine.client.getPrompt({ name: 'resume_work', arguments: { projectId } });
      const text = (prompt.messages[0]!.content as { text: string }).text;
      expect(text).toContain(`${todo.id} · new · v${todo.version} · ${todo.title}`);
      expect(text).toContain('mcp_start_session');
      expect(text).toContain('Be brief.');
    });

    it('start_feature lists the feature’s todos and its branch', async () => {
      const feature = await createFeature(server, member, projectId, { name: 'Fast Search' });
      const todo = await createTodo(server, member, { feature_id: feature.id });
      const prompt = await mine.client.getPrompt({ name: 'start_feature', arguments: { featureId: feature.id } });
      const text = (prompt.messages[0]!.content as { text: string }).text;
      expect(text).toContain(`${todo.id} · new · v${todo.version}`);
      expect(text).toContain('feature/fast-search');
      expect(text).toContain(`[feature:${feature.id}]`);
    });

    it('finish_todo gives the version to send and never a tested status', async () => {
      const todo = await advanceTodo(server, member, await createTodo(server, member, { project_id: projectId }), 'in_progress');
      const prompt = await mine.client.getPrompt({ name: 'finish_todo', arguments: { todoId: todo.id } });
      const text = (prompt.messages[0]!.content as { text: string }).text;
      expect(text).toContain(`expectedVersion ${todo.version}`);
      expect(text).toContain('Todos have no tested status');
    });

    it('refuses another team’s things', async () => {
      await expect(theirs.client.getPrompt({ name: 'resume_work', arguments: { projectId } })).rejects.toThrow(/Project not found/);
      const todo = await createTodo(server, member, { project_id: projectId });
      await expect(theirs.client.getPrompt({ name: 'finish_todo', arguments: { todoId: todo.id } })).rejects.toThrow(/Todo not found/);
    });
  });

  function textOf(result: { contents: ({ text: string } | { blob: string })[] }): string {
    const first = result.contents[0];
    return first && 'text' in first ? first.text : '';
  }

  async function createDocumentVia(project: string, type: string, title: string): Promise<string> {
    const response = await server.request('POST', '/documents', { token: member.token, body: { project_id: project, type, title, content: `# ${title}` } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body.id;
  }
});
