import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { createFeature, createProject, createTodo, createTodoWithStatus } from '../helpers/content.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';
import { type McpConnection, connectMcp, createMcpKey } from './tool-groups.fixture.js';

describe('MCP workflow, rules and GitHub tools', () => {
  let server: TestServer;
  let leader: Session;
  let member: Session;
  let projectId: string;
  let projectName: string;
  let mcp: McpConnection;
  let outsider: McpConnection;

  beforeAll(async () => {
    server = await startServer();
    const admin = await loginAdmin(server);
    const team = await createTeam(server, admin);
    leader = await registerTeamMember(server, admin, team.id, 'team_leader');
    member = await registerTeamMember(server, leader, team.id);
    projectName = unique('Shop-');
    projectId = await createProject(server, leader, team.id, { name: projectName, tags: ['docker'], cursor_instructions: 'Use pnpm.' });
    const updated = await server.request('PUT', `/projects/${projectId}`, { token: leader.token, body: { github_repo_url: `https://github.com/acme/${projectName}` } });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    const otherTeam = await createTeam(server, admin);
    const stranger = await registerTeamMember(server, admin, otherTeam.id, 'team_leader');
    mcp = await connectMcp(server, await createMcpKey(server, member));
    outsider = await connectMcp(server, await createMcpKey(server, stranger));
  });

  afterAll(async () => {
    await Promise.all([mcp?.close(), outsider?.close()]);
    await server?.close();
  });

  describe('mcp_load_cursor_rules', () => {
    it('returns the generated rules for the agent to write, in the team’s language', async () => {
      const rules = await mcp.ok('mcp_load_cursor_rules', { projectId });
      expect(rules).toMatchObject({ project_id: projectId, language: 'en', target_path: '.cursor/rules/intracker-project-rules.mdc' });
      expect(rules.content).toContain(`# Cursor Rules for ${projectName}`);
      expect(rules.content).toContain('Use pnpm.');
      expect(rules.content).toContain('### Docker');
      expect(rules.content).toContain('### Git Workflow');
      expect(rules.content).toContain('There is no `tested` status for todos');
      expect(rules.instructions).toContain('Write `content`');
    });

    it('follows a team set to Hungarian', async () => {
      const admin = await loginAdmin(server);
      const team = await createTeam(server, admin);
      const hungarian = await registerTeamMember(server, admin, team.id, 'team_leader');
      const set = await server.request('POST', `/teams/${team.id}/language`, { token: hungarian.token, body: { language: 'hu' } });
      expect(set.status, JSON.stringify(set.body)).toBe(200);
      const id = await createProject(server, hungarian, team.id);
      const connection = await connectMcp(server, await createMcpKey(server, hungarian));
      try {
        const rules = await connection.ok('mcp_load_cursor_rules', { projectId: id });
        expect(rules.language).toBe('hu');
        expect(rules.content).toContain('## Projekt információk');
      } finally {
        await connection.close();
      }
    });

    it('hides another team’s project', async () => {
      expect(await outsider.error('mcp_load_cursor_rules', { projectId })).toBe('Project not found');
    });
  });

  describe('mcp_enforce_workflow', () => {
    it('fills next todos, blockers and constraints from the real resume context', async () => {
      const next = await createTodo(server, member, { project_id: projectId, title: unique('next-') });
      const blocked = await createTodo(server, member, { project_id: projectId, title: unique('blocked-'), blocker_reason: 'waiting for design' });
      await mcp.ok('mcp_create_document', { projectId, type: 'constraints', title: 'No new deps', content: 'none' });
      const workflow = await mcp.ok('mcp_enforce_workflow', { projectId });
      expect(workflow).toMatchObject({ workflow_enforced: true, method: 'projectId', project: { id: projectId, name: projectName } });
      expect(workflow.next_todos).toContainEqual(expect.objectContaining({ id: next.id, version: next.version }));
      expect(workflow.blockers).toContainEqual(expect.objectContaining({ id: blocked.id, blocker_reason: 'waiting for design' }));
      expect(workflow.constraints).toContainEqual(expect.objectContaining({ title: 'No new deps', type: 'constraints' }));
      expect(workflow.cursor_instructions).toBe('Use pnpm.');
      expect(workflow.workflow_checklist.join('\n')).toContain('todos have no tested status');
    });

    it('finds the project from the config file, the git remote (https or ssh) or the folder name', async () => {
      const byConfig = await mcp.ok('mcp_enforce_workflow', { configJson: JSON.stringify({ project_id: projectId }) });
      expect(byConfig).toMatchObject({ method: '.intracker/config.json', project: { id: projectId } });
      const bySsh = await mcp.ok('mcp_enforce_workflow', { gitRemoteUrl: `git@github.com:ACME/${projectName}.git` });
      expect(bySsh).toMatchObject({ method: 'git remote', project: { id: projectId } });
      const byHttps = await mcp.ok('mcp_enforce_workflow', { gitRemoteUrl: `https://github.com/acme/${projectName}.git` });
      expect(byHttps.project.id).toBe(projectId);
      const byPath = await mcp.ok('mcp_enforce_workflow', { path: `/home/dev/${projectName.toLowerCase()}/` });
      expect(byPath).toMatchObject({ method: 'project name match', project: { id: projectId } });
    });

    it('explains what it tried when nothing matches, and never finds another team’s project', async () => {
      const message = await mcp.error('mcp_enforce_workflow', { path: '/nowhere/at-all' });
      expect(message).toContain('No project found');
      expect(message).toContain('folder name "at-all"');
      expect(await mcp.error('mcp_enforce_workflow', {})).toContain('no projectId, configJson, gitRemoteUrl or path given');
      expect(await mcp.error('mcp_enforce_workflow', { configJson: '{not json' })).toContain('not valid JSON');
      expect(await outsider.error('mcp_enforce_workflow', { path: `/x/${projectName}` })).toContain('No project found');
      expect(await outsider.error('mcp_enforce_workflow', { projectId })).toBe('Project not found');
    });
  });

  describe('GitHub tools on a server without GitHub', () => {
    it('hide another team’s things, and answer "GitHub not connected" where GitHub is needed', async () => {
      const feature = await createFeature(server, member, projectId);
      const todo = await createTodo(server, member, { project_id: projectId });
      const done = await createTodoWithStatus(server, member, 'done', { project_id: projectId });
      const NOT_CONNECTED = /^GitHub not connected: /;
      const calls: [string, Record<string, unknown>, RegExp | string | undefined][] = [
        ['mcp_connect_github_repo', { projectId, owner: 'acme', repo: 'shop' }, 'Only team leaders can edit projects'],
        ['mcp_get_repo_info', { projectId }, NOT_CONNECTED],
        ['mcp_get_branch_info', { projectId, featureId: feature.id }, undefined],
        ['mcp_link_element_to_issue', { elementId: todo.element_id, issueNumber: 3 }, NOT_CONNECTED],
        ['mcp_get_github_issue', { projectId, issueNumber: 3 }, NOT_CONNECTED],
        ['mcp_create_github_issue', { projectId, title: 'Bug' }, NOT_CONNECTED],
        ['mcp_link_todo_to_pr', { todoId: todo.id, prNumber: 4 }, /^Todo must be done/],
        ['mcp_link_todo_to_pr', { todoId: done.id, prNumber: 4 }, NOT_CONNECTED],
        ['mcp_get_github_pr', { projectId, prNumber: 4 }, NOT_CONNECTED],
        ['mcp_create_github_pr', { projectId, title: 'PR', head: 'feature/x' }, NOT_CONNECTED],
        ['mcp_create_branch_for_feature', { featureId: feature.id }, NOT_CONNECTED],
        ['mcp_link_branch_to_feature', { featureId: feature.id, branchName: 'feature/x' }, undefined],
      ];
      for (const [name, args, expected] of calls) {
        if (expected === undefined) await mcp.ok(name, args);
        else expect(await mcp.error(name, args), name).toMatch(expected);
        expect(await outsider.error(name, args), `${name} for an outsider`).toMatch(/ not found$/);
      }
    });

    it('parse commit messages without GitHub', async () => {
      expect(await mcp.ok('mcp_parse_commit_message', { commitMessage: 'feat(api): add login [feature:abc]\n\n- [x] login' })).toEqual({
        type: 'feat',
        scope: 'api',
        description: 'add login',
        feature_id: 'abc',
        format: 'conventional',
      });
      expect(await mcp.ok('mcp_parse_commit_message', { commitMessage: 'Fixed stuff' })).toEqual({
        type: null,
        scope: null,
        description: 'Fixed stuff',
        feature_id: null,
        format: 'simple',
      });
    });
  });

  describe('bound and read-only keys', () => {
    it('default to the bound project and hide every other one', async () => {
      const admin = await loginAdmin(server);
      const team = await createTeam(server, admin);
      const agent = await registerTeamMember(server, admin, team.id, 'team_leader');
      const bound = await createProject(server, agent, team.id);
      const other = await createProject(server, agent, team.id);
      const connection = await connectMcp(server, await createMcpKey(server, agent, { project_id: bound }));
      try {
        const rules = await connection.ok('mcp_load_cursor_rules', {});
        expect(rules.project_id).toBe(bound);
        const workflow = await connection.ok('mcp_enforce_workflow', {});
        expect(workflow).toMatchObject({ method: 'bound project', project: { id: bound } });
        expect(await connection.error('mcp_list_documents', { projectId: other })).toBe('Project not found');
        expect(await connection.error('mcp_start_session', { projectId: other })).toBe('Project not found');
        const session = await connection.ok('mcp_start_session', {});
        expect(session.project_id).toBe(bound);
      } finally {
        await connection.close();
      }
    });

    it('refuse writes on a read-only key but allow reads', async () => {
      const readOnly = await connectMcp(server, await createMcpKey(server, leader, { read_only: true }));
      try {
        expect(await readOnly.error('mcp_start_session', { projectId })).toContain('read-only');
        expect(await readOnly.error('mcp_create_document', { projectId, type: 'notes', title: 't', content: 'c' })).toContain('read-only');
        await readOnly.ok('mcp_list_documents', { projectId });
        await readOnly.ok('mcp_verify_connection');
      } finally {
        await readOnly.close();
      }
    });
  });

  describe('codebase tools (from what the agent sends, never the server disk)', () => {
    it('mcp_analyze_codebase detects the stack and the usual module folders', async () => {
      const result = await mcp.ok('mcp_analyze_codebase', {
        projectId,
        topLevelEntries: ['src/', 'api/', 'components/', 'README.md', 'package.json'],
        packageJson: JSON.stringify({ dependencies: { react: '^19.0.0' } }),
        requirementsTxt: 'fastapi==0.115\nuvicorn',
      });
      expect(result).toEqual({ project_id: projectId, tech_stack: ['node', 'react', 'python', 'fastapi'], suggestions: { modules: ['api', 'components'] } });
      expect(await outsider.error('mcp_analyze_codebase', { projectId, topLevelEntries: [] })).toMatch(/not found$/);
    });

    it('mcp_parse_file_structure builds the element tree once, skipping ignored folders', async () => {
      const fresh = await createProject(server, leader, (await server.request('GET', `/projects/${projectId}`, { token: leader.token })).body.team_id);
      const result = await mcp.ok('mcp_parse_file_structure', {
        projectId: fresh,
        directories: ['src', 'src/user-settings', 'src/api/v1/deep/er', 'node_modules/react', '.github/workflows'],
        readmes: { src: 'The application source.' },
        maxDepth: 3,
      });
      expect(result).toMatchObject({ success: true, elements_created: 4 }); // src, src/api, src/api/v1 (depth 3), src/user-settings
      const tree = await server.request('GET', `/elements/project/${fresh}/tree`, { token: member.token });
      const src = tree.body.elements.find((node: { title: string }) => node.title === 'Src');
      expect(src.description).toBe('The application source.');
      expect(src.children.map((node: { title: string }) => node.title).sort()).toEqual(['Api', 'User Settings']);
      expect(src.children.find((node: { title: string }) => node.title === 'Api').children.map((node: { title: string }) => node.title)).toEqual(['V1']);
      const again = await mcp.ok('mcp_parse_file_structure', { projectId: fresh, directories: ['lib'] });
      expect(again).toMatchObject({ existing_elements_count: 1 });
    });
  });
});
