import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { createProject } from '../helpers/content.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';
import { callTool, connectMcp, createMcpKey, ok } from './helpers.js';

/**
 * A key's scope, enforced by domain/access.ts for every tool alike: a key bound to
 * one project sees that project and its team (the team, its members, its ideas) and
 * changes nothing outside the project; a read-only key changes nothing at all.
 */

async function refused(client: Client, name: string, args: Record<string, unknown>, status: number, message: string | RegExp): Promise<void> {
  const answer = await callTool(client, name, args);
  expect(answer.isError, `${name} should be refused: ${answer.text}`).toBe(true);
  expect(answer.body.status, `${name}: ${answer.text}`).toBe(status);
  expect(answer.body.error).toMatch(message);
}

async function postIdea(server: TestServer, user: Session, teamId: string): Promise<string> {
  const response = await server.request('POST', '/ideas', { token: user.token, body: { team_id: teamId, title: unique('idea-') } });
  expect(response.status, response.text).toBe(201);
  return response.body.id;
}

const ids = (items: { id: string }[]) => items.map((item) => item.id).sort();

describe('MCP key scope', () => {
  let server: TestServer;
  let leader: Session;
  let teamId: string;
  let otherTeamId: string;
  let boundProject: string;
  let siblingProject: string;
  let otherTeamProject: string;
  let idea: string;
  let otherTeamIdea: string;

  beforeAll(async () => {
    server = await startServer();
    const admin = await loginAdmin(server);
    teamId = (await createTeam(server, admin)).id;
    otherTeamId = (await createTeam(server, admin)).id;
    leader = await registerTeamMember(server, admin, teamId, 'team_leader');
    // The key's user leads the other team too: only the key's scope keeps it out.
    const added = await server.request('POST', `/teams/${otherTeamId}/members?user_id=${leader.id}&role=team_leader`, { token: admin.token });
    expect(added.status, added.text).toBeLessThan(300);
    boundProject = await createProject(server, leader, teamId);
    siblingProject = await createProject(server, leader, teamId);
    otherTeamProject = await createProject(server, leader, otherTeamId);
    idea = await postIdea(server, leader, teamId);
    otherTeamIdea = await postIdea(server, leader, otherTeamId);
  });

  afterAll(async () => {
    await server?.close();
  });

  describe('a key bound to one project', () => {
    let client: Client;
    beforeAll(async () => {
      client = await connectMcp(server, await createMcpKey(server, leader, { project_id: boundProject }));
    });
    afterAll(async () => {
      await client?.close();
    });

    it('lists and reads only the bound project’s team and its ideas', async () => {
      expect(ids((await ok(client, 'mcp_list_teams')).teams)).toEqual([teamId]);
      expect((await ok(client, 'mcp_get_team', { teamId })).id).toBe(teamId);
      await refused(client, 'mcp_get_team', { teamId: otherTeamId }, 404, 'Team not found');

      expect(ids((await ok(client, 'mcp_list_ideas')).ideas)).toEqual([idea]);
      await refused(client, 'mcp_list_ideas', { teamId: otherTeamId }, 404, 'Team not found');
      expect((await ok(client, 'mcp_get_idea', { ideaId: idea })).id).toBe(idea);
      await refused(client, 'mcp_get_idea', { ideaId: otherTeamIdea }, 404, 'Idea not found');
    });

    it('changes no idea and makes no project: those live outside the project', async () => {
      const bound = /bound to one project/;
      await refused(client, 'mcp_create_idea', { teamId, title: 'from a bound key' }, 403, bound);
      await refused(client, 'mcp_create_idea', { teamId: otherTeamId, title: 'from a bound key' }, 404, 'Team not found');
      await refused(client, 'mcp_update_idea', { ideaId: idea, title: 'renamed' }, 403, bound);
      await refused(client, 'mcp_update_idea', { ideaId: otherTeamIdea, title: 'renamed' }, 404, 'Idea not found');
      await refused(client, 'mcp_convert_idea_to_project', { ideaId: idea }, 403, bound);
      await refused(client, 'mcp_convert_idea_to_project', { ideaId: otherTeamIdea }, 404, 'Idea not found');
      await refused(client, 'mcp_create_project', { teamId, name: 'from a bound key' }, 403, bound);

      const ideaNow = await server.request('GET', `/ideas/${idea}`, { token: leader.token });
      expect(ideaNow.body).toMatchObject({ converted_to_project_id: null });
      expect(ideaNow.body.title).not.toBe('renamed');
    });

    it('sees the bound project alone, everywhere', async () => {
      expect(ids((await ok(client, 'mcp_list_projects')).projects)).toEqual([boundProject]);
      await refused(client, 'mcp_get_project_context', { projectId: siblingProject, summaryOnly: true }, 404, 'Project not found');
      await refused(client, 'mcp_get_project_context', { projectId: otherTeamProject, summaryOnly: true }, 404, 'Project not found');
      expect((await ok(client, 'mcp_verify_connection')).project_id).toBe(boundProject);
    });

    it('leaves the user’s own reach over REST as it is', async () => {
      const teams = await server.request('GET', '/teams', { token: leader.token });
      expect(teams.body.teams.map((team: { id: string }) => team.id)).toEqual(expect.arrayContaining([teamId, otherTeamId]));
    });
  });

  describe('a read-only key', () => {
    let client: Client;
    beforeAll(async () => {
      client = await connectMcp(server, await createMcpKey(server, leader, { read_only: true }));
    });
    afterAll(async () => {
      await client?.close();
    });

    it('is refused every change with 403, by the same rule as every other surface', async () => {
      const readOnly = /read-only/;
      await refused(client, 'mcp_create_idea', { teamId, title: 'from a read-only key' }, 403, readOnly);
      await refused(client, 'mcp_update_idea', { ideaId: idea, title: 'renamed' }, 403, readOnly);
      await refused(client, 'mcp_convert_idea_to_project', { ideaId: idea }, 403, readOnly);
      await refused(client, 'mcp_create_project', { teamId, name: 'from a read-only key' }, 403, readOnly);
      await refused(client, 'mcp_update_project', { projectId: boundProject, description: 'changed' }, 403, readOnly);
      await refused(client, 'mcp_create_todo', { projectId: boundProject, title: 'from a read-only key' }, 403, readOnly);
      await refused(client, 'mcp_start_session', { projectId: boundProject }, 403, readOnly);
    });

    it('still reads everything the user may see', async () => {
      expect(ids((await ok(client, 'mcp_list_teams')).teams)).toEqual(expect.arrayContaining([teamId, otherTeamId].sort()));
      expect(ids((await ok(client, 'mcp_list_ideas')).ideas)).toEqual(expect.arrayContaining([idea, otherTeamIdea]));
      await ok(client, 'mcp_get_project_context', { projectId: otherTeamProject, summaryOnly: true });
      await ok(client, 'mcp_verify_connection');
    });
  });
});
