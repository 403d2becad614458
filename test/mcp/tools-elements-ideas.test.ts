import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { advanceTodo, createFeature, createProject, createTodo } from '../helpers/content.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';
import { type McpConnection, connectMcp, createMcpKey } from './tool-groups.fixture.js';

describe('MCP element, idea and team tools', () => {
  let server: TestServer;
  let leader: Session;
  let member: Session;
  let teamId: string;
  let projectId: string;
  let leaderMcp: McpConnection;
  let memberMcp: McpConnection;
  let outsider: McpConnection;

  beforeAll(async () => {
    server = await startServer();
    const admin = await loginAdmin(server);
    const team = await createTeam(server, admin);
    teamId = team.id;
    leader = await registerTeamMember(server, admin, team.id, 'team_leader');
    member = await registerTeamMember(server, leader, team.id);
    projectId = await createProject(server, leader, team.id);
    const otherTeam = await createTeam(server, admin);
    const stranger = await registerTeamMember(server, admin, otherTeam.id, 'team_leader');
    leaderMcp = await connectMcp(server, await createMcpKey(server, leader));
    memberMcp = await connectMcp(server, await createMcpKey(server, member));
    outsider = await connectMcp(server, await createMcpKey(server, stranger));
  });

  afterAll(async () => {
    await Promise.all([leaderMcp?.close(), memberMcp?.close(), outsider?.close()]);
    await server?.close();
  });

  describe('elements', () => {
    it('builds a nested tree with todo counts and linked features', async () => {
      const root = await memberMcp.ok('mcp_create_element', { projectId, type: 'module', title: 'Backend' });
      expect(root).toMatchObject({ project_id: projectId, type: 'module', title: 'Backend', status: 'new' });
      const child = await memberMcp.ok('mcp_create_element', { projectId, parentId: root.id, type: 'component', title: 'API' });
      expect(child.parent_id).toBe(root.id);
      await advanceTodo(server, member, await createTodo(server, member, { element_id: child.id }), 'done');
      await createTodo(server, member, { element_id: child.id });
      const feature = await createFeature(server, member, projectId, { name: unique('Login ') });
      await memberMcp.ok('mcp_link_element_to_feature', { featureId: feature.id, elementId: child.id });

      const structure = await memberMcp.ok('mcp_get_project_structure', { projectId });
      const backend = structure.elements.find((node: { id: string }) => node.id === root.id);
      expect(backend.children).toEqual([
        expect.objectContaining({ id: child.id, title: 'API', todos: { total: 2, done: 1 }, features: [feature.name], status: 'in_progress' }),
      ]);
      expect(structure.elements.map((node: { title: string }) => node.title)).toContain('Default');
      expect(structure.element_count).toBeGreaterThanOrEqual(3);

      const shallow = await memberMcp.ok('mcp_get_project_structure', { projectId, maxDepth: 1 });
      const cut = shallow.elements.find((node: { id: string }) => node.id === root.id);
      expect(cut).not.toHaveProperty('children');
      expect(cut.children_count).toBe(1);
    });

    it('reads an element with its todos, each carrying its version', async () => {
      const element = await memberMcp.ok('mcp_create_element', { projectId, type: 'task', title: 'Docs' });
      const todo = await createTodo(server, member, { element_id: element.id });
      const read = await memberMcp.ok('mcp_get_element', { elementId: element.id });
      expect(read).toMatchObject({ id: element.id, title: 'Docs', todos_total: 1 });
      expect(read.todos).toEqual([expect.objectContaining({ id: todo.id, status: 'new', version: todo.version })]);
    });

    it('updates and moves an element, refusing a move under itself', async () => {
      const parent = await memberMcp.ok('mcp_create_element', { projectId, type: 'module', title: 'Parent' });
      const moved = await memberMcp.ok('mcp_create_element', { projectId, type: 'module', title: 'Moved' });
      const updated = await memberMcp.ok('mcp_update_element', { elementId: moved.id, parentId: parent.id, title: 'Moved in', definitionOfDone: 'tests pass' });
      expect(updated).toMatchObject({ parent_id: parent.id, title: 'Moved in', definition_of_done: 'tests pass' });
      const back = await memberMcp.ok('mcp_update_element', { elementId: moved.id, parentId: null });
      expect(back).not.toHaveProperty('parent_id');
      expect(await memberMcp.error('mcp_update_element', { elementId: parent.id, parentId: parent.id })).toContain('Circular parent reference');
    });

    it('previews a delete without confirm and deletes with it', async () => {
      const element = await memberMcp.ok('mcp_create_element', { projectId, type: 'module', title: 'Doomed' });
      await createTodo(server, member, { element_id: element.id });
      const preview = await memberMcp.ok('mcp_delete_element', { elementId: element.id });
      expect(preview).toMatchObject({ deleted: false, todos: 1, elements: [{ id: element.id, title: 'Doomed' }] });
      await memberMcp.ok('mcp_get_element', { elementId: element.id });
      const deleted = await memberMcp.ok('mcp_delete_element', { elementId: element.id, confirm: true });
      expect(deleted).toMatchObject({ deleted: true, todos: 1 });
      expect(await memberMcp.error('mcp_get_element', { elementId: element.id })).toBe('Element not found');
    });

    it('hides another team’s project and elements', async () => {
      const element = await memberMcp.ok('mcp_create_element', { projectId, type: 'module', title: 'Private' });
      expect(await outsider.error('mcp_get_project_structure', { projectId })).toBe('Project not found');
      expect(await outsider.error('mcp_get_element', { elementId: element.id })).toBe('Element not found');
      expect(await outsider.error('mcp_update_element', { elementId: element.id, title: 'x' })).toBe('Element not found');
      expect(await outsider.error('mcp_delete_element', { elementId: element.id, confirm: true })).toBe('Element not found');
      expect(await outsider.error('mcp_create_element', { projectId, type: 'module', title: 'x' })).toBe('Project not found');
    });
  });

  describe('ideas', () => {
    it('lets a member note an idea and a leader edit and convert it, idempotently', async () => {
      const idea = await memberMcp.ok('mcp_create_idea', { teamId, title: 'Dark mode', tags: ['ui'] });
      expect(idea).toMatchObject({ team_id: teamId, title: 'Dark mode', status: 'draft', tags: ['ui'] });
      expect(await memberMcp.error('mcp_update_idea', { ideaId: idea.id, status: 'active' })).toBe('Only team leaders can edit ideas');
      const active = await leaderMcp.ok('mcp_update_idea', { ideaId: idea.id, status: 'active', description: 'Night owls' });
      expect(active).toMatchObject({ status: 'active', description: 'Night owls' });

      const listed = await memberMcp.ok('mcp_list_ideas', { status: 'active' });
      expect(listed.ideas.map((row: { id: string }) => row.id)).toContain(idea.id);

      const project = await leaderMcp.ok('mcp_convert_idea_to_project', { ideaId: idea.id, technologyTags: ['css'] });
      expect(project).toMatchObject({ name: 'Dark mode', team_id: teamId, tags: ['ui'], technology_tags: ['css'], idea_id: idea.id });
      const again = await leaderMcp.ok('mcp_convert_idea_to_project', { ideaId: idea.id });
      expect(again).toMatchObject({ id: project.id, message: expect.stringContaining('already converted') });

      const read = await memberMcp.ok('mcp_get_idea', { ideaId: idea.id });
      expect(read).toMatchObject({ converted_to_project_id: project.id, converted_project: { id: project.id, name: 'Dark mode' } });
    });

    it('refuses to convert an archived idea', async () => {
      const idea = await leaderMcp.ok('mcp_create_idea', { teamId, title: 'Old', status: 'archived' });
      expect(await leaderMcp.error('mcp_convert_idea_to_project', { ideaId: idea.id })).toContain('Archived ideas cannot be converted');
    });

    it('keeps ideas inside their team', async () => {
      const idea = await memberMcp.ok('mcp_create_idea', { teamId, title: 'Secret' });
      expect(await outsider.error('mcp_get_idea', { ideaId: idea.id })).toBe('Idea not found');
      expect(await outsider.error('mcp_create_idea', { teamId, title: 'x' })).toBe('Team not found');
      const theirs = await outsider.ok('mcp_list_ideas', {});
      expect(theirs.ideas.map((row: { id: string }) => row.id)).not.toContain(idea.id);
    });
  });

  describe('teams and onboarding', () => {
    it('verifies the connection and records it on the user', async () => {
      const verified = await memberMcp.ok('mcp_verify_connection');
      expect(verified).toMatchObject({ verified: true, user: { id: member.id, email: member.email } });
      const me = await server.request('GET', '/auth/me', { token: member.token });
      expect(me.status, JSON.stringify(me.body)).toBe(200);
      expect(me.body.mcp_verified_at).toBeTruthy();
      expect(me.body.onboarding_step).toBeGreaterThanOrEqual(3);
    });

    it('lists the caller’s teams with their language and shows members', async () => {
      const teams = await memberMcp.ok('mcp_list_teams');
      expect(teams.teams).toEqual([expect.objectContaining({ id: teamId, language: 'en' })]);
      const team = await memberMcp.ok('mcp_get_team', { teamId });
      expect(team.members.map((row: { user_id: string }) => row.user_id)).toEqual(expect.arrayContaining([leader.id, member.id]));
      expect(await outsider.error('mcp_get_team', { teamId })).toBe('Team not found');
    });
  });
});
