import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { advanceTodo, createFeature, createProject, createTodo } from '../helpers/content.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';
import { type McpConnection, connectMcp, createMcpKey } from './tool-groups.fixture.js';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('MCP session, document and search tools', () => {
  let server: TestServer;
  let member: Session;
  let projectId: string;
  let otherProjectId: string;
  let mcp: McpConnection;
  let outsider: McpConnection;

  beforeAll(async () => {
    server = await startServer();
    const admin = await loginAdmin(server);
    const team = await createTeam(server, admin);
    const leader = await registerTeamMember(server, admin, team.id, 'team_leader');
    member = await registerTeamMember(server, leader, team.id);
    projectId = await createProject(server, leader, team.id);
    const otherTeam = await createTeam(server, admin);
    const stranger = await registerTeamMember(server, admin, otherTeam.id, 'team_leader');
    otherProjectId = await createProject(server, stranger, otherTeam.id);
    mcp = await connectMcp(server, await createMcpKey(server, member));
    outsider = await connectMcp(server, await createMcpKey(server, stranger));
  });

  afterAll(async () => {
    await mcp?.close();
    await outsider?.close();
    await server?.close();
  });

  describe('work sessions', () => {
    it('starts a session with the next todos (each with its version) and the workflow reminder', async () => {
      const todo = await createTodo(server, member, { project_id: projectId, title: unique('next-') });
      const started = await mcp.ok('mcp_start_session', { projectId, goal: 'Ship it' });
      expect(started).toMatchObject({ project_id: projectId, goal: 'Ship it' });
      expect(started.workflow.reminder).toContain('new → in_progress → done');
      expect(started.workflow.next_todos).toContainEqual(expect.objectContaining({ id: todo.id, version: todo.version }));
    });

    it('records progress, replaces the lists and ends once with the summary', async () => {
      const { id: sessionId } = await mcp.ok('mcp_start_session', { projectId });
      const done = await advanceTodo(server, member, await createTodo(server, member, { project_id: projectId }), 'done');
      const updated = await mcp.ok('mcp_update_session', { sessionId, completedTodos: [done.id], notes: 'half way' });
      expect(updated).toMatchObject({ id: sessionId, todos_completed: [done.id], notes: 'half way' });
      const ended = await mcp.ok('mcp_end_session', { sessionId, summary: 'All done' });
      expect(ended).toMatchObject({ id: sessionId, summary: 'All done' });
      expect(ended.ended_at).toBeTruthy();
      expect(await mcp.error('mcp_end_session', { sessionId })).toBe('Session is already ended');
    });

    it('generates a summary with the workflow reminder when none is given', async () => {
      const { id: sessionId } = await mcp.ok('mcp_start_session', { projectId, goal: 'Tidy up' });
      const ended = await mcp.ok('mcp_end_session', { sessionId });
      expect(ended.summary).toContain('Goal: Tidy up');
      expect(ended.summary).toContain('WORKFLOW REMINDER');
    });

    it('refuses todos that are not done as completed, naming them', async () => {
      const { id: sessionId } = await mcp.ok('mcp_start_session', { projectId });
      const open = await createTodo(server, member, { project_id: projectId });
      const message = await mcp.error('mcp_update_session', { sessionId, completedTodos: [open.id] });
      expect(message).toContain(`${open.id} (new)`);
    });

    it('answers "not found" for another team’s project and session, and for malformed ids', async () => {
      expect(await mcp.error('mcp_start_session', { projectId: otherProjectId })).toBe('Project not found');
      const { id: sessionId } = await mcp.ok('mcp_start_session', { projectId });
      expect(await outsider.error('mcp_update_session', { sessionId, notes: 'x' })).toBe('Session not found');
      expect(await outsider.error('mcp_end_session', { sessionId })).toBe('Session not found');
      const malformed = await mcp.call('mcp_end_session', { sessionId: 'not-an-id' });
      expect(malformed.isError).toBe(true);
    });
  });

  describe('documents', () => {
    it('creates, reads, lists and updates a document; the version rises with the content', async () => {
      const created = await mcp.ok('mcp_create_document', { projectId, type: 'adr', title: 'Use PostgreSQL', content: '# Decision\nPostgres.' });
      expect(created).toMatchObject({ project_id: projectId, type: 'adr', title: 'Use PostgreSQL', version: 1 });
      expect(created).not.toHaveProperty('content');
      const read = await mcp.ok('mcp_get_document', { documentId: created.id });
      expect(read).toMatchObject({ id: created.id, content: '# Decision\nPostgres.', version: 1 });
      const listed = await mcp.ok('mcp_list_documents', { projectId, type: 'adr' });
      expect(listed.documents).toContainEqual(expect.objectContaining({ id: created.id, title: 'Use PostgreSQL', version: 1 }));
      expect(listed.documents[0]).not.toHaveProperty('content');
      const updated = await mcp.ok('mcp_update_document', { documentId: created.id, content: '# Decision\nStill Postgres.' });
      expect(updated.version).toBe(2);
      const retitled = await mcp.ok('mcp_update_document', { documentId: created.id, title: 'ADR 1' });
      expect(retitled).toMatchObject({ title: 'ADR 1', version: 2 });
    });

    it('links a document to the element of the todo it is given', async () => {
      const todo = await createTodo(server, member, { project_id: projectId });
      const created = await mcp.ok('mcp_create_document', { projectId, type: 'notes', title: 'About the todo', content: 'x', todoId: todo.id });
      expect(created).toMatchObject({ element_id: todo.element_id, todo_id: todo.id });
    });

    it('refuses another team’s documents and projects, and unknown types', async () => {
      const created = await mcp.ok('mcp_create_document', { projectId, type: 'runbook', title: 'Deploy', content: 'steps' });
      expect(await outsider.error('mcp_get_document', { documentId: created.id })).toBe('Document not found');
      expect(await outsider.error('mcp_update_document', { documentId: created.id, title: 'mine' })).toBe('Document not found');
      expect(await mcp.error('mcp_list_documents', { projectId: otherProjectId })).toBe('Project not found');
      expect(await mcp.error('mcp_get_document', { documentId: UNKNOWN_ID })).toBe('Document not found');
      const badType = await mcp.call('mcp_create_document', { projectId, type: 'poem', title: 't', content: 'c' });
      expect(badType.isError).toBe(true);
    });
  });

  describe('search', () => {
    it('finds todos, features and documents of the caller’s projects only', async () => {
      const word = unique('zebra');
      const todo = await createTodo(server, member, { project_id: projectId, title: `Paint the ${word}` });
      const feature = await createFeature(server, member, projectId, { name: `${word} feature` });
      const document = await mcp.ok('mcp_create_document', { projectId, type: 'notes', title: 'Zoo', content: `The ${word} lives here` });
      const found = await mcp.ok('mcp_search', { query: word, projectId });
      const hits = found.results.map((hit: { type: string; id: string }) => `${hit.type}:${hit.id}`);
      expect(hits).toEqual(expect.arrayContaining([`todo:${todo.id}`, `feature:${feature.id}`, `document:${document.id}`]));
      const onlyDocs = await mcp.ok('mcp_search', { query: word, types: ['document'] });
      expect(onlyDocs.results.map((hit: { type: string }) => hit.type)).toEqual(['document']);
      const elsewhere = await outsider.ok('mcp_search', { query: word });
      expect(elsewhere).toMatchObject({ results: [], total: 0 });
      expect(await outsider.error('mcp_search', { query: word, projectId })).toBe('Project not found');
    });

    it('rejects an empty query', async () => {
      expect((await mcp.call('mcp_search', { query: '   ' })).isError).toBe(true);
    });
  });
});
