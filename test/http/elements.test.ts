import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, inArray } from 'drizzle-orm';
import { activity } from '../../src/db/schema.js';
import type { DomainEvent } from '../../src/events/types.js';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

// Response bodies are JSON; see test/helpers/server.ts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('elements', () => {
  let server: TestServer;
  let admin: Session;
  let member: Session;
  let outsider: Session;
  let team: { id: string };
  let project: { id: string };

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    team = await createTeam(server, admin);
    member = await registerTeamMember(server, admin, team.id);
    outsider = await registerTeamMember(server, admin, (await createTeam(server, admin)).id);
    project = await newProject();
  });
  afterAll(() => server.close());

  async function newProject(): Promise<{ id: string }> {
    const response = await server.request('POST', '/projects', { token: member.token, body: { team_id: team.id, name: unique('p-') } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body;
  }

  async function createElement(body: Record<string, unknown>, projectId = project.id): Promise<Json> {
    const response = await server.request('POST', '/elements', {
      token: member.token,
      body: { project_id: projectId, type: 'module', title: unique('e-'), ...body },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body;
  }

  const getElement = (id: string, token = member.token) => server.request('GET', `/elements/${id}`, { token });
  const updateElement = (id: string, body: Record<string, unknown>) => server.request('PUT', `/elements/${id}`, { token: member.token, body });
  const statusOf = async (id: string) => (await getElement(id)).body.status;

  describe('create and read', () => {
    it('lets a member create a root element and read it back with its todos and dependencies', async () => {
      const created = await createElement({ title: 'API', description: 'The REST layer', position: 3, definition_of_done: 'Green CI' });
      expect(created).toMatchObject({
        project_id: project.id,
        parent_id: null,
        type: 'module',
        title: 'API',
        description: 'The REST layer',
        status: 'new',
        position: 3,
        definition_of_done: 'Green CI',
        github_issue_number: null,
        github_issue_url: null,
        created_by: member.id,
        updated_by: member.id,
      });
      expect(created.created_at).toMatch(/Z$/);
      const read = await getElement(created.id);
      expect(read.status).toBe(200);
      expect(read.body).toEqual({ ...created, todos: [], dependencies: [] });
    });

    it('accepts the type task and every other element type', async () => {
      for (const type of ['module', 'feature', 'component', 'milestone', 'technical_block', 'decision_point', 'task']) {
        expect((await createElement({ type })).type).toBe(type);
      }
    });

    it('rejects an unknown type or status with 400 naming the values, an empty or too long title and a missing project with 422', async () => {
      const post = (body: Record<string, unknown>) => server.request('POST', '/elements', { token: member.token, body });
      const base = { project_id: project.id, type: 'module', title: 'x' };
      const unknownType = await post({ ...base, type: 'epic' });
      expect(unknownType.status).toBe(400);
      expect(unknownType.body).toEqual({
        detail: 'type must be one of: module, feature, component, milestone, technical_block, decision_point, task (got "epic")',
      });
      const merged = await post({ ...base, status: 'merged' });
      expect(merged.status).toBe(400);
      expect(merged.body).toEqual({ detail: 'status must be one of: new, in_progress, done, tested (got "merged")' });
      expect((await post({ ...base, title: '' })).status).toBe(422);
      expect((await post({ ...base, title: 'x'.repeat(256) })).status).toBe(422);
      expect((await post({ type: 'module', title: 'x' })).status).toBe(422);
      expect((await post({ ...base, position: 2 ** 31 })).status).toBe(422);
    });

    it('creates a child under a parent of the same project only', async () => {
      const parent = await createElement({});
      const child = await createElement({ parent_id: parent.id, type: 'component' });
      expect(child.parent_id).toBe(parent.id);

      const elsewhere = await createElement({}, (await newProject()).id);
      const foreign = await server.request('POST', '/elements', {
        token: member.token,
        body: { project_id: project.id, parent_id: elsewhere.id, type: 'module', title: 'x' },
      });
      expect(foreign.status).toBe(400);
      expect(foreign.body.detail).toBe("Parent element not found or doesn't belong to project");
      const missing = await server.request('POST', '/elements', {
        token: member.token,
        body: { project_id: project.id, parent_id: '00000000-0000-4000-8000-000000000000', type: 'module', title: 'x' },
      });
      expect(missing.status).toBe(400);
    });

    it('answers 422 for a malformed id and 404 for an unknown one', async () => {
      expect((await server.request('GET', '/elements/not-a-uuid', { token: member.token })).status).toBe(422);
      expect((await server.request('GET', '/elements/project/not-a-uuid/tree', { token: member.token })).status).toBe(422);
      const unknown = await getElement('00000000-0000-4000-8000-000000000000');
      expect(unknown.status).toBe(404);
      expect(unknown.body.detail).toBe('Element not found');
    });

    it('serves the same routes under /v1', async () => {
      const created = await server.request('POST', '/v1/elements', {
        token: member.token,
        body: { project_id: project.id, type: 'task', title: 'versioned' },
      });
      expect(created.status).toBe(201);
      const read = await server.request('GET', `/v1/elements/${created.body.id}`, { token: member.token });
      expect(read.body.title).toBe('versioned');
      expect((await server.request('GET', `/v1/elements/project/${project.id}/tree`, { token: member.token })).status).toBe(200);
    });

    it('needs a token', async () => {
      expect((await server.request('GET', `/elements/project/${project.id}/tree`)).status).toBe(401);
    });
  });

  describe('update and move', () => {
    it('changes only the fields sent and clears the ones sent as null', async () => {
      const element = await createElement({ description: 'old', position: 1, definition_of_done: 'dod' });
      const updated = await updateElement(element.id, { title: 'Renamed', description: null, type: 'milestone' });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ title: 'Renamed', description: null, type: 'milestone', position: 1, definition_of_done: 'dod' });
      expect((await updateElement(element.id, { type: 'epic' })).status).toBe(400);
    });

    it('keeps position 0 and an empty description as sent, and clears position with null', async () => {
      const element = await createElement({ position: 0, description: '' });
      expect(element).toMatchObject({ position: 0, description: '' });
      expect((await updateElement(element.id, { position: null })).body.position).toBeNull();
      expect((await updateElement(element.id, { position: 0 })).body.position).toBe(0);
      expect((await updateElement(element.id, { parent_id: '' })).status).toBe(422);
    });

    it('moves an element under another parent and back to the root with parent_id null', async () => {
      const a = await createElement({});
      const b = await createElement({});
      expect((await updateElement(b.id, { parent_id: a.id })).body.parent_id).toBe(a.id);
      const root = await updateElement(b.id, { parent_id: null });
      expect(root.status).toBe(200);
      expect(root.body.parent_id).toBeNull();
    });

    it('refuses to make an element its own parent or move it under its own descendant', async () => {
      const top = await createElement({});
      const middle = await createElement({ parent_id: top.id });
      const bottom = await createElement({ parent_id: middle.id });
      for (const parentId of [top.id, middle.id, bottom.id]) {
        const response = await updateElement(top.id, { parent_id: parentId });
        expect(response.status, parentId).toBe(400);
        expect(response.body.detail).toMatch(/Circular parent reference/);
      }
      expect((await getElement(top.id)).body.parent_id).toBeNull();
      // Moving a subtree sideways is fine.
      const other = await createElement({});
      expect((await updateElement(middle.id, { parent_id: other.id })).status).toBe(200);
    });

    it('lets only one of two concurrent opposite moves through', async () => {
      const a = await createElement({});
      const b = await createElement({});
      const answers = await Promise.all([updateElement(a.id, { parent_id: b.id }), updateElement(b.id, { parent_id: a.id })]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
      const parents = [(await getElement(a.id)).body.parent_id, (await getElement(b.id)).body.parent_id];
      expect(parents.filter((parent) => parent === null)).toHaveLength(1);
    });

    it('refuses a parent from another project', async () => {
      const element = await createElement({});
      const elsewhere = await createElement({}, (await newProject()).id);
      const response = await updateElement(element.id, { parent_id: elsewhere.id });
      expect(response.status).toBe(400);
      expect(response.body.detail).toBe("Parent element not found or doesn't belong to project");
    });
  });

  describe('tree', () => {
    it('nests every element of the project, siblings by position (unset last) then creation time', async () => {
      const own = await newProject();
      const late = await createElement({ title: 'no position 1' }, own.id);
      const second = await createElement({ title: 'second', position: 2 }, own.id);
      const first = await createElement({ title: 'first', position: 1 }, own.id);
      const later = await createElement({ title: 'no position 2' }, own.id);
      const childB = await createElement({ title: 'child b', parent_id: first.id, position: 5 }, own.id);
      const childA = await createElement({ title: 'child a', parent_id: first.id, position: 0 }, own.id);
      const grandchild = await createElement({ title: 'grandchild', parent_id: childA.id, type: 'task' }, own.id);

      const response = await server.request('GET', `/elements/project/${own.id}/tree`, { token: member.token });
      expect(response.status).toBe(200);
      expect(response.body.project_id).toBe(own.id);
      const roots = response.body.elements;
      const titles = (nodes: Json[]) => nodes.map((node) => node.title);
      // The project's "Default" element has no position: it sorts among the unpositioned by age.
      expect(titles(roots)).toEqual(['first', 'second', 'Default', 'no position 1', 'no position 2']);
      const firstNode = roots[0];
      expect(firstNode.id).toBe(first.id);
      expect(titles(firstNode.children)).toEqual(['child a', 'child b']);
      expect(firstNode.children[0].children.map((node: Json) => node.id)).toEqual([grandchild.id]);
      expect(firstNode.children[1].id).toBe(childB.id);
      expect(roots.find((node: Json) => node.id === second.id).children).toEqual([]);
      expect([late.id, later.id]).toEqual([roots[3].id, roots[4].id]);
    });

    it('gives each node its counts and leaves out the detail fields', async () => {
      const own = await newProject();
      const element = await createElement({ definition_of_done: 'dod' }, own.id);
      const tree = await server.request('GET', `/elements/project/${own.id}/tree`, { token: member.token });
      const node = tree.body.elements.find((candidate: Json) => candidate.id === element.id);
      expect(node).toEqual({
        id: element.id,
        project_id: own.id,
        parent_id: null,
        type: 'module',
        title: element.title,
        description: null,
        status: 'new',
        position: null,
        created_at: element.created_at,
        updated_at: element.updated_at,
        todos_count: 0,
        todos_done_count: 0,
        features_count: 0,
        linked_features: [],
        children: [],
      });
    });

    it('answers 404 for a project of another team', async () => {
      const response = await server.request('GET', `/elements/project/${project.id}/tree`, { token: outsider.token });
      expect(response.status).toBe(404);
      expect(response.body.detail).toBe('Project not found');
    });
  });

  describe('status roll-up', () => {
    it('rolls a parent up from its children, counting tested as done, up to the root', async () => {
      const root = await createElement({});
      const parent = await createElement({ parent_id: root.id });
      const a = await createElement({ parent_id: parent.id });
      const b = await createElement({ parent_id: parent.id });
      expect(await statusOf(parent.id)).toBe('new');

      await updateElement(a.id, { status: 'in_progress' });
      expect(await statusOf(parent.id)).toBe('in_progress');
      expect(await statusOf(root.id)).toBe('in_progress');

      await updateElement(a.id, { status: 'done' });
      await updateElement(b.id, { status: 'tested' });
      expect(await statusOf(parent.id)).toBe('done');
      expect(await statusOf(root.id)).toBe('done');

      // New work under a done parent reopens it, and removing it closes it again.
      const c = await createElement({ parent_id: parent.id });
      expect(await statusOf(parent.id)).toBe('in_progress');
      expect((await server.request('DELETE', `/elements/${c.id}`, { token: member.token })).status).toBe(204);
      expect(await statusOf(parent.id)).toBe('done');
    });

    it('rolls up both the old and the new parent when a child moves', async () => {
      const from = await createElement({});
      const to = await createElement({});
      const finished = await createElement({ parent_id: from.id, status: 'done' });
      const open = await createElement({ parent_id: from.id });
      const done = await createElement({ parent_id: to.id, status: 'done' });
      expect(await statusOf(from.id)).toBe('in_progress');
      expect(await statusOf(to.id)).toBe('done');

      await updateElement(open.id, { parent_id: to.id });
      expect(await statusOf(from.id)).toBe('done');
      expect(await statusOf(to.id)).toBe('in_progress');
      expect([finished.parent_id, done.parent_id]).toEqual([from.id, to.id]);
    });

    it('keeps a status set by hand on an element with nothing in it, including tested', async () => {
      const element = await createElement({});
      expect((await updateElement(element.id, { status: 'tested' })).body.status).toBe('tested');
      expect(await statusOf(element.id)).toBe('tested');
    });
  });

  describe('delete', () => {
    it('previews exactly what the delete then removes: the subtree, with its dependencies', async () => {
      const own = await newProject();
      const top = await createElement({ title: 'top' }, own.id);
      const child = await createElement({ title: 'child', parent_id: top.id }, own.id);
      const grandchild = await createElement({ title: 'grandchild', parent_id: child.id }, own.id);
      const outside = await createElement({ title: 'outside' }, own.id);
      const depend = (from: string, to: string) =>
        server.request('POST', `/elements/${from}/dependencies`, { token: member.token, body: { depends_on_element_id: to, dependency_type: 'blocks' } });
      expect((await depend(outside.id, grandchild.id)).status).toBe(201);
      expect((await depend(child.id, top.id)).status).toBe(201);

      const preview = await server.request('GET', `/elements/${top.id}/delete-preview`, { token: member.token });
      expect(preview.status).toBe(200);
      expect(preview.body).toMatchObject({ element_id: top.id, todos_deleted: 0, documents_unlinked: 0, feature_links_removed: 0, dependencies_removed: 2 });
      expect(preview.body.elements_deleted).toEqual([
        { id: top.id, title: 'top' },
        { id: child.id, title: 'child' },
        { id: grandchild.id, title: 'grandchild' },
      ]);

      expect((await server.request('DELETE', `/elements/${top.id}`, { token: member.token })).status).toBe(204);
      for (const gone of [top, child, grandchild]) expect((await getElement(gone.id)).status).toBe(404);
      expect((await getElement(outside.id)).body.dependencies).toEqual([]);
      const tree = await server.request('GET', `/elements/project/${own.id}/tree`, { token: member.token });
      expect(tree.body.elements.map((node: Json) => node.title).sort()).toEqual(['Default', 'outside']);
      expect((await server.request('DELETE', `/elements/${top.id}`, { token: member.token })).status).toBe(404);
    });

    it('previews a leaf as just itself', async () => {
      const leaf = await createElement({ title: 'leaf' });
      const preview = await server.request('GET', `/elements/${leaf.id}/delete-preview`, { token: member.token });
      expect(preview.body.elements_deleted).toEqual([{ id: leaf.id, title: 'leaf' }]);
      expect(preview.body.dependencies_removed).toBe(0);
    });
  });

  describe('events and audit', () => {
    it('publishes projectUpdated with the element action after each change', async () => {
      const seen: DomainEvent[] = [];
      const unsubscribe = server.app.fastify.services.events.subscribe((event) => {
        if (event.projectId === project.id) seen.push(event);
      });
      try {
        const element = await createElement({});
        await updateElement(element.id, { title: 'changed' });
        await server.request('DELETE', `/elements/${element.id}`, { token: member.token });
        expect(seen.map((event) => [event.name, event.payload.changes])).toEqual([
          ['projectUpdated', { action: 'element_created', element_id: element.id }],
          ['projectUpdated', { action: 'element_updated', element_id: element.id, fields: ['title'] }],
          ['projectUpdated', { action: 'element_deleted', element_id: element.id }],
        ]);
        expect(seen.every((event) => event.actorId === member.id && event.teamId === team.id)).toBe(true);
        const seqs = seen.map((event) => event.seq!);
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      } finally {
        unsubscribe();
      }
    });

    it('announces the parents whose status the change rolled up', async () => {
      const parent = await createElement({});
      const seen: unknown[] = [];
      const unsubscribe = server.app.fastify.services.events.subscribe((event) => {
        if (event.projectId === project.id) seen.push(event.payload.changes);
      });
      try {
        const child = await createElement({ parent_id: parent.id, status: 'done' });
        expect(seen).toEqual([
          { action: 'element_created', element_id: child.id },
          { action: 'element_status_rolled_up', element_ids: [parent.id] },
        ]);
      } finally {
        unsubscribe();
      }
    });

    it('writes an audit row for each change, in the same transaction', async () => {
      const element = await createElement({});
      const other = await createElement({});
      await updateElement(element.id, { title: 'audited' });
      const dependency = await server.request('POST', `/elements/${element.id}/dependencies`, {
        token: member.token,
        body: { depends_on_element_id: other.id, dependency_type: 'blocks' },
      });
      await server.request('DELETE', `/elements/${element.id}/dependencies/${dependency.body.id}`, { token: member.token });
      await server.request('DELETE', `/elements/${element.id}`, { token: member.token });
      const { db } = server.app.fastify.services.database;
      const rows = await db
        .select({ action: activity.action, entityId: activity.entityId, actorId: activity.actorId, projectId: activity.projectId })
        .from(activity)
        .where(inArray(activity.entityId, [element.id, dependency.body.id]))
        .orderBy(asc(activity.at), asc(activity.id));
      expect(rows.map((row) => [row.action, row.entityId])).toEqual([
        ['element.created', element.id],
        ['element.updated', element.id],
        ['element_dependency.added', dependency.body.id],
        ['element_dependency.removed', dependency.body.id],
        ['element.deleted', element.id],
      ]);
      expect(rows.every((row) => row.actorId === member.id && row.projectId === project.id)).toBe(true);
    });

    it('publishes nothing for a refused change', async () => {
      const seen: DomainEvent[] = [];
      const unsubscribe = server.app.fastify.services.events.subscribe((event) => {
        seen.push(event);
      });
      try {
        const element = await createElement({});
        seen.length = 0;
        expect((await updateElement(element.id, { parent_id: element.id })).status).toBe(400);
        expect(seen).toEqual([]);
      } finally {
        unsubscribe();
      }
    });
  });

  describe('access', () => {
    it('hides every element route from another team behind 404', async () => {
      const element = await createElement({});
      const other = await createElement({});
      const dependency = await server.request('POST', `/elements/${element.id}/dependencies`, {
        token: member.token,
        body: { depends_on_element_id: other.id, dependency_type: 'requires' },
      });
      const as = { token: outsider.token };
      const attempts = [
        server.request('GET', `/elements/${element.id}`, as),
        server.request('PUT', `/elements/${element.id}`, { ...as, body: { title: 'stolen' } }),
        server.request('GET', `/elements/${element.id}/delete-preview`, as),
        server.request('DELETE', `/elements/${element.id}`, as),
        server.request('GET', `/elements/${element.id}/dependencies`, as),
        server.request('POST', `/elements/${element.id}/dependencies`, { ...as, body: { depends_on_element_id: other.id, dependency_type: 'blocks' } }),
        server.request('DELETE', `/elements/${element.id}/dependencies/${dependency.body.id}`, as),
      ];
      for (const response of await Promise.all(attempts)) {
        expect(response.status).toBe(404);
        expect(response.body.detail).toBe('Element not found');
      }
      const create = await server.request('POST', '/elements', { ...as, body: { project_id: project.id, type: 'module', title: 'x' } });
      expect(create.status).toBe(404);
      expect((await getElement(element.id)).body.title).toBe(element.title);
      expect((await getElement(element.id)).body.dependencies).toHaveLength(1);
    });

    it('lets an admin read any element', async () => {
      const element = await createElement({});
      expect((await getElement(element.id, admin.token)).status).toBe(200);
    });

    it('keeps an archived project read-only', async () => {
      const own = await newProject();
      const element = await createElement({}, own.id);
      expect((await server.request('PUT', `/projects/${own.id}`, { token: admin.token, body: { status: 'archived' } })).status).toBe(200);
      expect((await updateElement(element.id, { title: 'late' })).status).toBe(409);
      const create = await server.request('POST', '/elements', { token: member.token, body: { project_id: own.id, type: 'module', title: 'x' } });
      expect(create.status).toBe(409);
      expect((await getElement(element.id)).status).toBe(200);
    });
  });
});
