import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeature } from '../helpers/content.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';
import { type McpWorld, connectMcp, mcpWorld } from './helpers.js';

// Every tool declares an outputSchema and answers structuredContent, with the same
// JSON as text in `content` for older clients (mcp/server.ts `structuredResult`).
const CORE_TOOLS = [
  'mcp_identify_project_by_path',
  'mcp_list_projects',
  'mcp_get_resume_context',
  'mcp_get_project_context',
  'mcp_get_active_todos',
  'mcp_claim_next_todo',
  'mcp_release_todo',
  'mcp_create_todo',
  'mcp_update_todo_status',
  'mcp_get_feature',
  'mcp_start_session',
  'mcp_end_session',
  'mcp_load_cursor_rules',
  'mcp_enforce_workflow',
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('structured tool results', () => {
  let server: TestServer;
  let world: McpWorld;
  let mcp: Client;
  let tools: Map<string, Tool>;
  const validator = new AjvJsonSchemaValidator();
  const called = new Set<string>();

  beforeAll(async () => {
    server = await startServer();
    world = await mcpWorld(server);
    mcp = await connectMcp(server, world.key, { tools: 'all' });
    tools = new Map((await mcp.listTools()).tools.map((tool) => [tool.name, tool]));
  });
  afterAll(async () => {
    await mcp.close();
    await server.close();
  });

  /** Calls a tool that must succeed; its structured result must match its schema and equal its text. */
  async function structured(name: string, args: Record<string, unknown> = {}): Promise<Json> {
    const result = (await mcp.callTool({ name, arguments: args })) as { isError?: boolean; content: { text: string }[]; structuredContent?: unknown };
    const text = result.content.map((part) => part.text).join('');
    expect(result.isError, `${name}: ${text}`).toBeFalsy();
    expect(result.structuredContent, name).toEqual(JSON.parse(text));
    const check = validator.getValidator(tools.get(name)!.outputSchema as never)(result.structuredContent);
    expect(check.errorMessage, `${name} against its outputSchema`).toBeUndefined();
    called.add(name);
    return result.structuredContent;
  }

  it('every tool declares an object outputSchema; the core ones describe their fields', () => {
    for (const tool of tools.values()) expect(tool.outputSchema?.type, tool.name).toBe('object');
    for (const name of CORE_TOOLS) expect(Object.keys(tools.get(name)!.outputSchema!.properties ?? {}).length, name).toBeGreaterThan(0);
    const todo = tools.get('mcp_create_todo')!.outputSchema!;
    expect(todo.required).toEqual(expect.arrayContaining(['id', 'title', 'status', 'version']));
    expect(todo.required).not.toContain('claimed_by');
  });

  it('core tool results match their schema and their text, in each of their shapes', async () => {
    const name = unique('Structured-');
    const projectId = (await structured('mcp_create_project', { name, teamId: world.team.id, githubRepoUrl: `https://github.com/acme/${name}` })).id;
    await structured('mcp_identify_project_by_path', { path: `/w/${name}` });
    await structured('mcp_create_project', { name: name.toLowerCase(), teamId: world.team.id });
    expect((await structured('mcp_identify_project_by_path', { path: `/w/${name}` })).matches).toHaveLength(2);
    await structured('mcp_list_projects');
    await structured('mcp_enforce_workflow', { projectId });
    await structured('mcp_load_cursor_rules', { projectId });

    const todo = await structured('mcp_create_todo', { projectId, title: 'structured', description: 'with text' });
    const feature = await createFeature(server, world.leader, projectId);
    await structured('mcp_get_feature', { featureId: feature.id });
    const session = await structured('mcp_start_session', { projectId, goal: 'check shapes' });
    expect((await structured('mcp_claim_next_todo', { projectId, todoId: todo.id })).todo.claimed_by).toBe(world.leader.id);
    await structured('mcp_get_active_todos', { projectId });
    const started = await structured('mcp_update_todo_status', { todoId: todo.id, status: 'in_progress', expectedVersion: todo.version + 1 });
    await structured('mcp_release_todo', { todoId: todo.id });
    await structured('mcp_update_todo_status', { todoId: todo.id, status: 'done', expectedVersion: started.version + 1 });
    expect((await structured('mcp_claim_next_todo', { projectId })).claimed).toBe(false);
    await structured('mcp_get_resume_context', { projectId });
    await structured('mcp_get_project_context', { projectId });
    await structured('mcp_get_project_context', { projectId, summaryOnly: true });
    await structured('mcp_end_session', { sessionId: session.id, summary: 'done' });
    expect(CORE_TOOLS.filter((tool) => !called.has(tool))).toEqual([]);
  });

  it('the todo, feature and project administration tools describe their results too', async () => {
    const project = await structured('mcp_create_project', { name: unique('Admin-'), teamId: world.team.id });
    await structured('mcp_update_project', { projectId: project.id, description: 'described' });
    const feature = await structured('mcp_create_feature', { projectId: project.id, name: 'structured feature' });
    await structured('mcp_list_features', { projectId: project.id });
    await structured('mcp_update_feature_status', { featureId: feature.id, status: 'in_progress' });
    const first = await structured('mcp_create_todo', { projectId: project.id, title: 'first' });
    const second = await structured('mcp_create_todo', { projectId: project.id, title: 'second' });
    const linked = await structured('mcp_link_todo_to_feature', { todoId: first.id, featureId: feature.id, expectedVersion: first.version });
    const assigned = await structured('mcp_assign_todo', { todoId: linked.id, userId: world.leader.id, expectedVersion: linked.version });
    await structured('mcp_add_todo_dependency', { todoId: assigned.id, blockedByTodoId: second.id });
    await structured('mcp_list_todos', { projectId: project.id });
    const element = (await mcp.callTool({ name: 'mcp_create_element', arguments: { projectId: project.id, type: 'module', title: 'linked' } })) as {
      structuredContent?: { id: string };
    };
    await structured('mcp_link_element_to_feature', { featureId: feature.id, elementId: element.structuredContent!.id });
    await structured('mcp_delete_todo', { todoId: second.id });
  });

  it('the document and team tools describe their results too', async () => {
    const projectId = world.projectId;
    const todo = await structured('mcp_create_todo', { projectId, title: 'documented' });
    const document = await structured('mcp_create_document', { projectId, type: 'notes', title: 'structured', content: 'body', todoId: todo.id });
    expect(document.todo_id).toBe(todo.id);
    expect(document).not.toHaveProperty('content');
    expect((await structured('mcp_get_document', { documentId: document.id })).content).toBe('body');
    await structured('mcp_list_documents', { projectId });
    await structured('mcp_update_document', { documentId: document.id, title: 'restructured' });
    await structured('mcp_verify_connection');
    await structured('mcp_list_teams');
    const team = await structured('mcp_get_team', { teamId: world.team.id });
    expect(team.members.length).toBeGreaterThan(0);
    for (const name of ['mcp_get_document', 'mcp_list_documents', 'mcp_create_document', 'mcp_update_document', 'mcp_list_teams', 'mcp_get_team', 'mcp_verify_connection']) {
      expect(Object.keys(tools.get(name)!.outputSchema!.properties ?? {}).length, name).toBeGreaterThan(0);
    }
    expect(tools.get('mcp_get_document')!.outputSchema!.required).toEqual(expect.arrayContaining(['id', 'title', 'content', 'version']));
    expect(tools.get('mcp_list_documents')!.outputSchema!.properties).not.toHaveProperty('documents.items.properties.content');
  });

  it('a failure stays an isError result with its JSON text and no structured part', async () => {
    const result = (await mcp.callTool({ name: 'mcp_get_feature', arguments: { featureId: '00000000-0000-4000-8000-000000000000' } })) as {
      isError?: boolean;
      content: { text: string }[];
      structuredContent?: unknown;
    };
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    expect(JSON.parse(result.content[0]!.text)).toMatchObject({ status: 404 });
  });
});
