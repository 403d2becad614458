import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTeamMember } from '../helpers/actors.js';
import { createElement } from '../helpers/content.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';
import { type McpWorld, connectMcp, createMcpKey, fails, mcpWorld, ok } from './helpers.js';

let server: TestServer;
let world: McpWorld;
let mcp: Client;
const open: Client[] = [];
const MISSING = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  server = await startServer();
  world = await mcpWorld(server);
  mcp = await connectMcp(server, world.key);
  open.push(mcp);
});

afterAll(async () => {
  await Promise.allSettled(open.map((client) => client.close()));
  await server?.close();
});

describe('project tools', () => {
  it('creates, lists, updates and describes projects of the caller’s teams', async () => {
    const created = await ok(mcp, 'mcp_create_project', {
      name: unique('mcp-proj-'),
      teamId: world.team.id,
      description: 'made by an agent',
      tags: ['mcp'],
      githubRepoUrl: 'https://github.com/acme/widgets',
    });
    expect(created).toMatchObject({ team_id: world.team.id, status: 'active', tags: ['mcp'], github_repo_url: 'https://github.com/acme/widgets' });

    const listed = await ok(mcp, 'mcp_list_projects');
    expect(listed.projects.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining([created.id, world.projectId]));
    expect((await ok(mcp, 'mcp_list_projects', { status: 'paused' })).projects).toEqual([]);

    const updated = await ok(mcp, 'mcp_update_project', { projectId: created.id, status: 'paused', cursorInstructions: 'Be brief' });
    expect(updated).toMatchObject({ id: created.id, status: 'paused', cursor_instructions: 'Be brief' });

    const context = await ok(mcp, 'mcp_get_project_context', { projectId: created.id });
    expect(context.project).toMatchObject({ id: created.id, cursor_instructions: 'Be brief' });
    expect(context.structure[0]).toMatchObject({ title: 'Default', type: 'module' });
    expect(context.resume_context.project.id).toBe(created.id);
    const summary = await ok(mcp, 'mcp_get_project_context', { projectId: created.id, summaryOnly: true });
    expect(summary.summary).toEqual({ feature_count: 0, active_todo_count: 0, element_count: 1 });
  });

  it('refuses unknown teams and projects, and another team’s project, as not found', async () => {
    expect((await fails(mcp, 'mcp_create_project', { name: 'x', teamId: MISSING })).body.error).toBe('Team not found');
    expect((await fails(mcp, 'mcp_get_project_context', { projectId: MISSING })).body.error).toBe('Project not found');
    expect((await fails(mcp, 'mcp_update_project', { projectId: MISSING, name: 'y' })).body.status).toBe(404);
    const missingArg = await fails(mcp, 'mcp_create_project', { teamId: world.team.id });
    expect(missingArg.text).toMatch(/name/);
  });

  it('lets members work but only team leaders edit projects', async () => {
    const member = await registerTeamMember(server, world.leader, world.team.id);
    const memberMcp = await connectMcp(server, await createMcpKey(server, member));
    open.push(memberMcp);
    const refused = await fails(memberMcp, 'mcp_update_project', { projectId: world.projectId, name: 'renamed' });
    expect(refused.body).toMatchObject({ status: 403 });
    expect((await ok(memberMcp, 'mcp_create_todo', { projectId: world.projectId, title: 'member work' })).status).toBe('new');
  });

  it('identifies a project from config.json content, a git remote or the folder name, never reading files', async () => {
    const name = unique('widgets-');
    const project = await ok(mcp, 'mcp_create_project', { name, teamId: world.team.id, githubRepoUrl: `https://github.com/acme/${name}` });
    const byConfig = await ok(mcp, 'mcp_identify_project_by_path', { path: '/nowhere', configJson: JSON.stringify({ project_id: project.id }) });
    expect(byConfig).toMatchObject({ project_id: project.id, method: 'config.json' });
    const byRemote = await ok(mcp, 'mcp_identify_project_by_path', { path: '/src/other', gitRemoteUrl: `git@github.com:acme/${name}.git` });
    expect(byRemote).toMatchObject({ project_id: project.id, method: 'git remote' });
    const byFolder = await ok(mcp, 'mcp_identify_project_by_path', { path: `/home/dev/${name.toUpperCase()}/` });
    expect(byFolder).toMatchObject({ project_id: project.id, method: 'folder name' });
    const none = await fails(mcp, 'mcp_identify_project_by_path', { path: '/home/dev/unknown-thing' });
    expect(none.body.tried_methods).toEqual(['folder name']);
    expect(none.body.error).toMatch(/mcp_list_projects/);
    expect((await fails(mcp, 'mcp_identify_project_by_path', { path: '/x', configJson: '{not json' })).body.error).toMatch(/configJson/);
  });

  it('answers the resume context and the active todos with versions, hiding todos others hold', async () => {
    const mine = await ok(mcp, 'mcp_create_todo', { projectId: world.projectId, title: 'resume me', priority: 'critical' });
    const other = await registerTeamMember(server, world.leader, world.team.id);
    const theirs = await ok(mcp, 'mcp_create_todo', { projectId: world.projectId, title: 'theirs' });
    await ok(mcp, 'mcp_assign_todo', { todoId: theirs.id, userId: other.id });
    const resume = await ok(mcp, 'mcp_get_resume_context', { projectId: world.projectId });
    expect(resume.now.next_todos[0]).toMatchObject({ id: mine.id, version: 1 });
    const active = await ok(mcp, 'mcp_get_active_todos', { projectId: world.projectId });
    const ids = active.todos.map((t: { id: string }) => t.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.id);
    expect(active.todos.every((t: { version?: number }) => typeof t.version === 'number')).toBe(true);
    expect((await fails(mcp, 'mcp_get_active_todos', { projectId: MISSING })).body.error).toBe('Project not found');
    expect((await fails(mcp, 'mcp_get_resume_context', {})).body.error).toMatch(/projectId is required/);
  });
});

describe('todo tools', () => {
  it('creates a todo on an element or the Default element, and walks it through the workflow with versions', async () => {
    const element = await createElement(server, world.leader, world.projectId);
    const onElement = await ok(mcp, 'mcp_create_todo', { elementId: element.id, title: 'on element', description: 'd' });
    expect(onElement).toMatchObject({ element_id: element.id, status: 'new', version: 1, priority: 'medium' });

    const skip = await fails(mcp, 'mcp_update_todo_status', { todoId: onElement.id, status: 'done' });
    expect(skip.body.error).toMatch(/in_progress/);
    const started = await ok(mcp, 'mcp_update_todo_status', { todoId: onElement.id, status: 'in_progress', expectedVersion: 1 });
    expect(started).toMatchObject({ status: 'in_progress', version: 2 });
    const done = await ok(mcp, 'mcp_update_todo_status', { todoId: onElement.id, status: 'done', expectedVersion: 2 });
    expect(done).toMatchObject({ status: 'done', version: 3 });

    expect((await fails(mcp, 'mcp_create_todo', { elementId: MISSING, title: 'x' })).body.error).toBe('Element not found');
    expect((await fails(mcp, 'mcp_create_todo', { title: 'nowhere' })).body.status).toBe(400);
  });

  it('refuses a stale expectedVersion with a conflict naming current_version', async () => {
    const todo = await ok(mcp, 'mcp_create_todo', { projectId: world.projectId, title: 'contested' });
    await ok(mcp, 'mcp_update_todo_status', { todoId: todo.id, status: 'in_progress', expectedVersion: 1 });
    const stale = await fails(mcp, 'mcp_update_todo_status', { todoId: todo.id, status: 'done', expectedVersion: 1 });
    expect(stale.body).toMatchObject({ status: 409, current_version: 2 });
    expect(stale.body.error).toMatch(/^Todo is at version 2, not 1: last changed by you at /);
  });

  it('lists, assigns and unassigns, links and unlinks, adds dependencies and deletes', async () => {
    const feature = await ok(mcp, 'mcp_create_feature', { projectId: world.projectId, name: unique('feat-') });
    const first = await ok(mcp, 'mcp_create_todo', { projectId: world.projectId, title: 'first' });
    const second = await ok(mcp, 'mcp_create_todo', { projectId: world.projectId, title: 'second' });

    const assigned = await ok(mcp, 'mcp_assign_todo', { todoId: first.id, userId: world.leader.id, expectedVersion: 1 });
    expect(assigned).toMatchObject({ assigned_to: world.leader.id, version: 2 });
    const mineOnly = await ok(mcp, 'mcp_list_todos', { projectId: world.projectId, userId: world.leader.id });
    expect(mineOnly.todos.map((t: { id: string }) => t.id)).toContain(first.id);
    const unassigned = await ok(mcp, 'mcp_assign_todo', { todoId: first.id, userId: null });
    expect(unassigned.assigned_to).toBeUndefined();
    expect(unassigned.version).toBe(3);
    expect((await fails(mcp, 'mcp_assign_todo', { todoId: first.id, userId: MISSING })).body.status).toBe(404);

    const linked = await ok(mcp, 'mcp_link_todo_to_feature', { todoId: first.id, featureId: feature.id });
    expect(linked.feature_id).toBe(feature.id);
    expect((await ok(mcp, 'mcp_get_feature', { featureId: feature.id })).total_todos).toBe(1);
    const unlinked = await ok(mcp, 'mcp_link_todo_to_feature', { todoId: first.id, featureId: null });
    expect(unlinked.feature_id).toBeUndefined();
    expect((await ok(mcp, 'mcp_get_feature', { featureId: feature.id })).total_todos).toBe(0);

    const waiting = await ok(mcp, 'mcp_add_todo_dependency', { todoId: second.id, blockedByTodoId: first.id });
    expect(waiting.blocked_by).toEqual([first.id]);
    const cycle = await fails(mcp, 'mcp_add_todo_dependency', { todoId: first.id, blockedByTodoId: second.id });
    expect(cycle.body.error).toMatch(/cycle/);

    const listed = await ok(mcp, 'mcp_list_todos', { projectId: world.projectId, status: 'new' });
    expect(listed.todos.every((t: { status: string }) => t.status === 'new')).toBe(true);
    expect(listed.total).toBeGreaterThanOrEqual(2);

    expect(await ok(mcp, 'mcp_delete_todo', { todoId: first.id })).toEqual({ success: true, deleted_todo_id: first.id });
    expect((await fails(mcp, 'mcp_delete_todo', { todoId: first.id })).body.error).toBe('Todo not found');
    const released = await ok(mcp, 'mcp_list_todos', { projectId: world.projectId });
    expect(released.todos.find((t: { id: string }) => t.id === second.id).blocked_by).toBeUndefined();
  });

  it('claims the next todo with a lease, names the holder on conflict, and releases', async () => {
    const project = await ok(mcp, 'mcp_create_project', { name: unique('claims-'), teamId: world.team.id });
    const low = await ok(mcp, 'mcp_create_todo', { projectId: project.id, title: 'low', priority: 'low' });
    const high = await ok(mcp, 'mcp_create_todo', { projectId: project.id, title: 'high', priority: 'high' });
    const blocker = await ok(mcp, 'mcp_create_todo', { projectId: project.id, title: 'blocker', priority: 'low' });
    const blocked = await ok(mcp, 'mcp_create_todo', { projectId: project.id, title: 'blocked', priority: 'critical', blockedBy: [blocker.id] });

    const colleague = await registerTeamMember(server, world.leader, world.team.id);
    const colleagueMcp = await connectMcp(server, await createMcpKey(server, colleague));
    open.push(colleagueMcp);

    const first = await ok(mcp, 'mcp_claim_next_todo', { projectId: project.id });
    expect(first.claimed).toBe(true);
    expect(first.todo).toMatchObject({ id: high.id, claimed_by: world.leader.id, version: 2 });
    const lease = new Date(first.todo.claim_expires_at).getTime() - Date.now();
    expect(lease).toBeGreaterThan(29 * 60_000);
    expect(lease).toBeLessThanOrEqual(30 * 60_000 + 5_000);

    const conflict = await fails(colleagueMcp, 'mcp_claim_next_todo', { projectId: project.id, todoId: high.id });
    expect(conflict.body).toMatchObject({ status: 409, claimed_by: world.leader.id });
    expect(conflict.body.error).toContain(world.leader.email);
    expect((await fails(colleagueMcp, 'mcp_release_todo', { todoId: high.id })).body.status).toBe(409);

    const second = await ok(colleagueMcp, 'mcp_claim_next_todo', { projectId: project.id, leaseMinutes: 5 });
    expect([low.id, blocker.id]).toContain(second.todo.id);
    expect(second.todo.id).not.toBe(blocked.id);

    const colleagueView = await ok(colleagueMcp, 'mcp_get_resume_context', { projectId: project.id });
    expect(colleagueView.now.next_todos.map((t: { id: string }) => t.id)).not.toContain(high.id);

    const released = await ok(mcp, 'mcp_release_todo', { todoId: high.id });
    expect(released.claimed_by).toBeUndefined();
    expect(released.version).toBe(3);
    const again = await ok(colleagueMcp, 'mcp_claim_next_todo', { projectId: project.id });
    expect(again.todo.id).toBe(high.id);

    // A status change by the holder renews the lease; done ends the claim.
    const started = await ok(colleagueMcp, 'mcp_update_todo_status', { todoId: high.id, status: 'in_progress' });
    expect(started.claimed_by).toBe(colleague.id);
    const finished = await ok(colleagueMcp, 'mcp_update_todo_status', { todoId: high.id, status: 'done' });
    expect(finished.claimed_by).toBeUndefined();

    await ok(mcp, 'mcp_claim_next_todo', { projectId: project.id });
    const none = await ok(mcp, 'mcp_claim_next_todo', { projectId: project.id });
    expect(none.claimed).toBe(false);
    expect(none.message).toMatch(/No todo left/);
    expect((await fails(mcp, 'mcp_claim_next_todo', { projectId: MISSING })).body.error).toBe('Project not found');
  });
});

describe('feature tools', () => {
  it('creates, reads, lists, moves, links and deletes features', async () => {
    const element = await createElement(server, world.leader, world.projectId);
    const feature = await ok(mcp, 'mcp_create_feature', { projectId: world.projectId, name: unique('feat-'), description: 'd', elementIds: [element.id] });
    expect(feature).toMatchObject({ status: 'new', progress_percentage: 0 });

    const todo = await ok(mcp, 'mcp_create_todo', { projectId: world.projectId, title: 'feature work', featureId: feature.id });
    const read = await ok(mcp, 'mcp_get_feature', { featureId: feature.id });
    expect(read.elements.map((e: { id: string }) => e.id)).toEqual([element.id]);
    expect(read.todos[0]).toMatchObject({ id: todo.id, version: 1 });

    const listed = await ok(mcp, 'mcp_list_features', { projectId: world.projectId });
    expect(listed.features.map((f: { id: string }) => f.id)).toContain(feature.id);

    const tooEarly = await fails(mcp, 'mcp_update_feature_status', { featureId: feature.id, status: 'merged' });
    expect(tooEarly.body.status).toBe(400);
    expect((await ok(mcp, 'mcp_update_feature_status', { featureId: feature.id, status: 'in_progress' })).status).toBe('in_progress');

    const other = await createElement(server, world.leader, world.projectId);
    expect(await ok(mcp, 'mcp_link_element_to_feature', { featureId: feature.id, elementId: other.id })).toMatchObject({ success: true });
    expect((await fails(mcp, 'mcp_link_element_to_feature', { featureId: feature.id, elementId: other.id })).body.status).toBe(409);

    const deleted = await ok(mcp, 'mcp_delete_feature', { featureId: feature.id });
    expect(deleted).toMatchObject({ success: true, deleted_feature_id: feature.id, todos_unlinked: 1 });
    expect((await fails(mcp, 'mcp_get_feature', { featureId: feature.id })).body.error).toBe('Feature not found');
    expect((await fails(mcp, 'mcp_create_feature', { projectId: MISSING, name: 'x' })).body.error).toBe('Project not found');
  });
});

describe('identity isolation', () => {
  it('keeps two keys of two teams apart, in parallel, on both transports', async () => {
    const otherWorld = await mcpWorld(server);
    const [a, b] = await Promise.all([
      connectMcp(server, world.key, { kind: 'sse' }),
      connectMcp(server, otherWorld.key),
    ]);
    open.push(a, b);
    const rounds = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const [listA, listB] = await Promise.all([ok(a, 'mcp_list_projects'), ok(b, 'mcp_list_projects')]);
        return { a: listA.projects.map((p: { team_id: string }) => p.team_id), b: listB.projects.map((p: { team_id: string }) => p.team_id) };
      }),
    );
    for (const round of rounds) {
      expect(new Set(round.a)).toEqual(new Set([world.team.id]));
      expect(round.b).toEqual([otherWorld.team.id]);
    }
    const foreign = await ok(b, 'mcp_create_todo', { projectId: otherWorld.projectId, title: 'other team' });
    expect((await fails(a, 'mcp_update_todo_status', { todoId: foreign.id, status: 'in_progress' })).body.error).toBe('Todo not found');
    expect((await fails(a, 'mcp_get_project_context', { projectId: otherWorld.projectId })).body.error).toBe('Project not found');
    expect((await fails(a, 'mcp_claim_next_todo', { projectId: otherWorld.projectId })).body.error).toBe('Project not found');
  });

  it('confines a project-scoped key to its project', async () => {
    const member = await registerTeamMember(server, world.leader, world.team.id);
    const scoped = await connectMcp(server, await createMcpKey(server, member, { project_id: world.projectId }));
    open.push(scoped);
    const listed = await ok(scoped, 'mcp_list_projects');
    expect(listed.projects.map((p: { id: string }) => p.id)).toEqual([world.projectId]);
    const other = await ok(mcp, 'mcp_create_project', { name: unique('elsewhere-'), teamId: world.team.id });
    expect((await fails(scoped, 'mcp_get_resume_context', { projectId: other.id })).body.error).toBe('Project not found');
    const defaulted = await ok(scoped, 'mcp_create_todo', { title: 'defaults to the bound project' });
    expect(defaulted.project_id).toBe(world.projectId);
  });
});
