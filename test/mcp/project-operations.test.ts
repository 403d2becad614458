import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activity } from '../../src/db/schema.js';
import type { DomainEvent } from '../../src/events/types.js';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { createProject } from '../helpers/content.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';
import { connectMcp, createMcpKey, fails, ok } from './helpers.js';

// Project creation, identification and the structure import are domain operations
// (domain/projects/, domain/elements/import.ts) that the MCP tools and REST call.
describe('project operations shared by MCP and REST', () => {
  let server: TestServer;
  let admin: Session;
  let team: { id: string };
  let member: Session;
  let mcp: Client;
  let outsider: Client;
  let events: DomainEvent[];
  let stop: () => void;

  const db = () => server.app.fastify.services.database.db;
  const activityOf = (projectId: string, action: string) =>
    db().select().from(activity).where(and(eq(activity.projectId, projectId), eq(activity.action, action)));
  const projectEvents = (projectId: string) => events.filter((event) => event.name === 'projectUpdated' && event.projectId === projectId);

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    team = await createTeam(server, admin);
    const leader = await registerTeamMember(server, admin, team.id, 'team_leader');
    member = await registerTeamMember(server, leader, team.id);
    mcp = await connectMcp(server, await createMcpKey(server, member), { tools: 'all' });
    const otherTeam = await createTeam(server, admin);
    const stranger = await registerTeamMember(server, admin, otherTeam.id, 'team_leader');
    outsider = await connectMcp(server, await createMcpKey(server, stranger), { tools: 'all' });
    events = [];
    stop = server.app.fastify.services.events.subscribe((event) => {
      events.push(event);
    });
  });
  afterAll(async () => {
    stop();
    await Promise.allSettled([mcp.close(), outsider.close()]);
    await server.close();
  });

  describe('creating a project with its repository URL', () => {
    it('is one write a plain member may make, over MCP and REST alike', async () => {
      const name = unique('repo-');
      const url = `https://github.com/acme/${name}`;
      const created = await ok(mcp, 'mcp_create_project', { name, teamId: team.id, githubRepoUrl: url });
      expect(created).toMatchObject({ name, github_repo_url: url });
      expect(await activityOf(created.id, 'project.created')).toHaveLength(1);
      expect(await activityOf(created.id, 'project.updated')).toHaveLength(0);

      const overRest = await server.request('POST', '/projects', { token: member.token, body: { team_id: team.id, name: unique('rest-'), github_repo_url: url } });
      expect(overRest.status, JSON.stringify(overRest.body)).toBe(201);
      expect(overRest.body.github_repo_url).toBe(url);
      expect(await activityOf(overRest.body.id, 'project.updated')).toHaveLength(0);
    });
  });

  describe('identification', () => {
    it('finds by remote or folder for both tools, lists several same-named projects, and never another team’s', async () => {
      const name = unique('Twin-');
      const url = `https://github.com/acme/${name}`;
      const first = await createProject(server, member, team.id, { name, github_repo_url: url });
      const byPath = await ok(mcp, 'mcp_identify_project_by_path', { path: '/w/x', gitRemoteUrl: `git@github.com:acme/${name}.git` });
      expect(byPath).toMatchObject({ project_id: first, method: 'git remote' });
      const byWorkflow = await ok(mcp, 'mcp_enforce_workflow', { gitRemoteUrl: `${url}.git` });
      expect(byWorkflow).toMatchObject({ method: 'git remote', project: { id: first } });

      const second = await createProject(server, member, team.id, { name: name.toLowerCase() });
      const several = await ok(mcp, 'mcp_identify_project_by_path', { path: `/w/${name}` });
      expect(several.method).toBe('folder name (multiple)');
      expect(several.matches.map((project: { id: string }) => project.id).sort()).toEqual([first, second].sort());
      expect((await fails(mcp, 'mcp_enforce_workflow', { path: `/w/${name}` })).text).toMatch(/Several projects match/);

      const none = await fails(outsider, 'mcp_identify_project_by_path', { path: `/w/${name}`, gitRemoteUrl: url });
      expect(none.body).toMatchObject({ status: 404, tried_methods: ['git remote', 'folder name'] });
      const badConfig = await fails(mcp, 'mcp_identify_project_by_path', { path: '/w', configJson: '{"project_id": 7}' });
      expect(badConfig.body.error).toMatch(/no valid "project_id"/);
    });
  });

  describe('importing a file structure', () => {
    it('writes nothing when one entry is bad, naming it', async () => {
      const projectId = await createProject(server, member, team.id);
      const before = events.length;
      for (const directories of [['src', 'src/api', 'src/__'], ['src', '../etc'], ['src', 'src/a\u0000b']]) {
        const refused = await fails(mcp, 'mcp_parse_file_structure', { projectId, directories });
        expect(refused.body.status).toBe(400);
        expect(refused.body.error).toMatch(/directories: /);
      }
      const tree = await server.request('GET', `/elements/project/${projectId}/tree`, { token: member.token });
      expect(tree.body.elements.map((node: { title: string }) => node.title)).toEqual(['Default']);
      expect(await activityOf(projectId, 'element.created')).toHaveLength(0);
      expect(events.slice(before).filter((event) => event.projectId === projectId)).toHaveLength(0);
    });

    it('writes every element in one mutation: one activity row each, one event', async () => {
      const projectId = await createProject(server, member, team.id);
      const directories = Array.from({ length: 30 }, (_, index) => `pkg-${index}/src/lib`);
      const result = await ok(mcp, 'mcp_parse_file_structure', { projectId, directories });
      expect(result.elements_created).toBe(90);
      const rows = await activityOf(projectId, 'element.created');
      expect(rows.map((row) => row.entityId).sort()).toEqual(result.elements.map((element: { id: string }) => element.id).sort());
      // One transaction: PostgreSQL's now() is the transaction's start, the same for every row.
      expect(new Set(rows.map((row) => row.at.toISOString())).size).toBe(1);
      const heard = projectEvents(projectId).filter((event) => (event.payload.changes as { action?: string }).action === 'structure_imported');
      expect(heard).toHaveLength(1);
      expect((heard[0]!.payload.changes as { element_ids: string[] }).element_ids).toHaveLength(90);

      const tree = await server.request('GET', `/elements/project/${projectId}/tree`, { token: member.token });
      const pkg = tree.body.elements.find((node: { title: string }) => node.title === 'Pkg 0');
      expect(pkg.children.map((node: { title: string }) => node.title)).toEqual(['Src']);
      expect(pkg.children[0].children.map((node: { title: string }) => node.title)).toEqual(['Lib']);
    });

    it('refuses another team’s project and a read-only key', async () => {
      const projectId = await createProject(server, member, team.id);
      expect((await fails(outsider, 'mcp_parse_file_structure', { projectId, directories: ['src'] })).body.status).toBe(404);
      const readOnly = await connectMcp(server, await createMcpKey(server, member, { read_only: true }), { tools: 'all' });
      try {
        expect((await fails(readOnly, 'mcp_parse_file_structure', { projectId, directories: ['src'] })).body.status).toBe(403);
      } finally {
        await readOnly.close();
      }
      expect(await activityOf(projectId, 'element.created')).toHaveLength(0);
    });
  });
});
