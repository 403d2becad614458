import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimTodoInDatabase, createFeature } from '../helpers/content.js';
import { type TestServer, startServer } from '../helpers/server.js';
import { type McpWorld, connectMcp, mcpWorld, ok } from './helpers.js';

// One presenter per entity (domain/<entity>/presenter.ts): an MCP tool shows what the
// REST response shows, less its nulls, empty lists and authorship fields.
const LEFT_OUT = ['created_by', 'updated_by', 'created_at', 'resume_context'];

// REST bodies and tool results are whatever JSON the server sent.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

function asAgentSees(restBody: Json): Json {
  return Object.fromEntries(
    Object.entries(restBody).filter(([key, value]) => value !== null && !(Array.isArray(value) && value.length === 0) && !LEFT_OUT.includes(key)),
  );
}

describe('one presenter per entity, REST and MCP alike', () => {
  let server: TestServer;
  let world: McpWorld;
  let mcp: Client;

  beforeAll(async () => {
    server = await startServer();
    world = await mcpWorld(server);
    mcp = await connectMcp(server, world.key, { tools: 'all' });
  });
  afterAll(async () => {
    await mcp.close();
    await server.close();
  });

  const rest = async (path: string): Promise<Json> => {
    const response = await server.request('GET', path, { token: world.leader.token });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body;
  };
  const listedTodo = async (todoId: string): Promise<Json> => {
    const listed = await ok(mcp, 'mcp_list_todos', { projectId: world.projectId });
    return listed.todos.find((todo: Json) => todo.id === todoId);
  };

  it('a claimed todo: the same fields and the same claim over both', async () => {
    const created = await ok(mcp, 'mcp_create_todo', { projectId: world.projectId, title: 'presented alike', description: 'same everywhere' });
    const claim = await ok(mcp, 'mcp_claim_next_todo', { projectId: world.projectId, todoId: created.id });
    const overRest = await rest(`/todos/${created.id}`);
    expect(overRest).toMatchObject({ claimed_by: world.leader.id, claim_expires_at: claim.todo.claim_expires_at });
    expect(claim.todo).toEqual(asAgentSees(overRest));
    expect(await listedTodo(created.id)).toEqual(asAgentSees(overRest));
  });

  it('a lapsed claim is nobody’s claim, over REST and MCP', async () => {
    const created = await ok(mcp, 'mcp_create_todo', { projectId: world.projectId, title: 'lapsed' });
    await claimTodoInDatabase(server, created.id, world.leader.id, new Date(Date.now() - 60_000));
    const overRest = await rest(`/todos/${created.id}`);
    expect(overRest).toMatchObject({ claimed_by: null, claim_expires_at: null });
    const overMcp = await listedTodo(created.id);
    expect(overMcp).not.toHaveProperty('claimed_by');
    expect(overMcp).toEqual(asAgentSees(overRest));
  });

  it('features and projects', async () => {
    const feature = await createFeature(server, world.leader, world.projectId, { description: 'a feature' });
    const { todos: _todos, elements: _elements, ...shown } = await ok(mcp, 'mcp_get_feature', { featureId: feature.id });
    expect(shown).toEqual(asAgentSees(await rest(`/features/${feature.id}`)));

    const listed = await ok(mcp, 'mcp_list_projects');
    const project = listed.projects.find((candidate: Json) => candidate.id === world.projectId);
    expect(project).toEqual(asAgentSees(await rest(`/projects/${world.projectId}`)));
  });

  it('elements and ideas', async () => {
    const element = await ok(mcp, 'mcp_create_element', { projectId: world.projectId, type: 'module', title: 'Presented', description: 'an element' });
    expect(element).toEqual(asAgentSees(await rest(`/elements/${element.id}`).then(({ todos: _t, dependencies: _d, ...shown }) => shown)));

    const idea = await ok(mcp, 'mcp_create_idea', { teamId: world.team.id, title: 'Presented idea', tags: ['x'] });
    expect(idea).toEqual(asAgentSees(await rest(`/ideas/${idea.id}`)));
  });

  it('work sessions', async () => {
    const started = await ok(mcp, 'mcp_start_session', { projectId: world.projectId, goal: 'present sessions' });
    const updated = await ok(mcp, 'mcp_update_session', { sessionId: started.id, notes: 'halfway' });
    expect(updated).toEqual(asAgentSees(await rest(`/sessions/${started.id}`)));
  });

  it('documents: a full read over both, and MCP lists and writes the summary, never the body', async () => {
    const created = await ok(mcp, 'mcp_create_document', { projectId: world.projectId, type: 'adr', title: 'Presented ADR', content: '# One shape', tags: ['t'] });
    const overRest = await rest(`/documents/${created.id}`);
    const { content, ...summary } = overRest;
    expect(content).toBe('# One shape');
    expect(created).toEqual(asAgentSees(summary));
    expect(await ok(mcp, 'mcp_get_document', { documentId: created.id })).toEqual(asAgentSees(overRest));

    const listed = await ok(mcp, 'mcp_list_documents', { projectId: world.projectId });
    expect(listed.documents.find((document: Json) => document.id === created.id)).toEqual(asAgentSees(summary));
    const restList = await rest(`/documents/project/${world.projectId}`);
    expect(restList.documents.find((document: Json) => document.id === created.id)).toEqual(overRest);

    const updated = await ok(mcp, 'mcp_update_document', { documentId: created.id, content: '# Still one shape' });
    const { content: _content, ...after } = await rest(`/documents/${created.id}`);
    expect(updated).toEqual(asAgentSees(after));
  });

  it('teams and members: the REST fields, plus the reference’s member `name` and `email`', async () => {
    const language = await server.request('POST', `/teams/${world.team.id}/language`, { token: world.leader.token, body: { language: 'hu' } });
    expect(language.status, JSON.stringify(language.body)).toBe(200);
    const team = await rest(`/teams/${world.team.id}`);
    const listed = await ok(mcp, 'mcp_list_teams');
    expect(listed.teams.find((candidate: Json) => candidate.id === world.team.id)).toEqual(asAgentSees(team));

    const { members, members_total, ...shown } = await ok(mcp, 'mcp_get_team', { teamId: world.team.id });
    expect(shown).toEqual(asAgentSees(team));
    const restMembers = (await rest(`/teams/${world.team.id}/members`)).members as Json[];
    expect(members_total).toBe(restMembers.length);
    for (const member of restMembers) {
      const overMcp = members.find((candidate: Json) => candidate.user_id === member.user_id);
      const { name, email, ...fields } = overMcp;
      expect(fields).toEqual(asAgentSees(member));
      expect(email).toBe(member.user_email);
      expect(name).toBe(member.user_name ?? undefined);
    }
  });
});
