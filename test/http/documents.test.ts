import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activity } from '../../src/db/schema.js';
import type { DomainEvent } from '../../src/events/types.js';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { createElement, createFeature, createProject as createProjectAs } from '../helpers/content.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

const MiB = 1024 * 1024;

describe('documents', () => {
  let server: TestServer;
  let admin: Session;
  let member: Session;
  let outsider: Session;
  let team: { id: string };
  let projectId: string;
  let otherProjectId: string;
  const events: DomainEvent[] = [];

  const db = () => server.app.fastify.services.database.db;

  const createProject = () => createProjectAs(server, member, team.id);

  async function createDocument(body: Record<string, unknown>, token = member.token) {
    const response = await server.request('POST', '/documents', { token, body: { project_id: projectId, type: 'notes', title: unique('doc-'), content: 'text', ...body } });
    expect(response.status, JSON.stringify(response.body).slice(0, 500)).toBe(201);
    return response.body;
  }

  beforeAll(async () => {
    server = await startServer();
    server.app.fastify.services.events.subscribe((event) => {
      events.push(event);
    });
    admin = await loginAdmin(server);
    team = await createTeam(server, admin);
    member = await registerTeamMember(server, admin, team.id);
    outsider = await registerTeamMember(server, admin, (await createTeam(server, admin)).id);
    projectId = await createProject();
    otherProjectId = await createProject();
  });
  afterAll(() => server.close());

  describe('creating', () => {
    it('lets a member create a `notes` document, and announces it', async () => {
      const document = await createDocument({ title: 'Kick-off', content: '# Notes', tags: ['meeting'] });
      expect(document).toMatchObject({
        project_id: projectId,
        element_id: null,
        feature_id: null,
        type: 'notes',
        title: 'Kick-off',
        content: '# Notes',
        tags: ['meeting'],
        version: 1,
        created_by: member.id,
        updated_by: member.id,
      });
      expect(document.created_at).toMatch(/Z$/);
      expect(events).toContainEqual(
        expect.objectContaining({
          name: 'projectUpdated',
          projectId,
          payload: { projectId, changes: expect.objectContaining({ action: 'document_created', document_id: document.id, document_type: 'notes' }) },
        }),
      );
    });

    it('accepts every document type and refuses others (400 naming them)', async () => {
      for (const type of ['architecture', 'adr', 'domain', 'constraints', 'runbook', 'ai_instructions', 'notes']) {
        await createDocument({ type });
      }
      const response = await server.request('POST', '/documents', { token: member.token, body: { project_id: projectId, type: 'memo', title: 't', content: 'c' } });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ detail: 'type must be one of: architecture, adr, domain, constraints, runbook, ai_instructions, notes (got "memo")' });
    });

    it('links an element and a feature of the same project', async () => {
      const el = await createElement(server, member, projectId, { title: 'M' });
      const feature = await createFeature(server, member, projectId, { name: 'F' });
      const document = await createDocument({ element_id: el.id, feature_id: feature.id });
      expect(document).toMatchObject({ element_id: el.id, feature_id: feature.id });
    });

    it('refuses an element or feature of another project (400, not 500)', async () => {
      const el = await createElement(server, member, otherProjectId, { title: 'M' });
      const feature = await createFeature(server, member, otherProjectId, { name: 'F' });
      const base = { project_id: projectId, type: 'adr', title: 't', content: 'c' };
      const elementResponse = await server.request('POST', '/documents', { token: member.token, body: { ...base, element_id: el.id } });
      expect(elementResponse.status).toBe(400);
      expect(elementResponse.body.detail).toBe(`Element ${el.id} is not in this project`);
      const featureResponse = await server.request('POST', '/documents', { token: member.token, body: { ...base, feature_id: feature.id } });
      expect(featureResponse.status).toBe(400);
      expect(featureResponse.body.detail).toBe(`Feature ${feature.id} is not in this project`);
      const unknown = await server.request('POST', '/documents', { token: member.token, body: { ...base, feature_id: '00000000-0000-4000-8000-000000000000' } });
      expect(unknown.status).toBe(400);
    });

    it('needs content of at least one character', async () => {
      const response = await server.request('POST', '/documents', { token: member.token, body: { project_id: projectId, type: 'adr', title: 't', content: '' } });
      expect(response.status).toBe(422);
      expect(response.body.detail[0].loc).toEqual(['body', 'content']);
    });

    it('accepts a 2 MiB document and refuses a 6 MiB one (413), on create and update', async () => {
      const big = await createDocument({ content: 'a'.repeat(2 * MiB) });
      expect(big.content.length).toBe(2 * MiB);
      const tooBig = await server.request('POST', '/documents', { token: member.token, body: { project_id: projectId, type: 'notes', title: 't', content: 'a'.repeat(6 * MiB) } });
      expect(tooBig.status).toBe(413);
      expect(tooBig.body.detail).toMatch(/too large/i);
      const updated = await server.request('PUT', `/documents/${big.id}`, { token: member.token, body: { content: 'b'.repeat(3 * MiB) } });
      expect(updated.status).toBe(200);
      expect(updated.body.version).toBe(2);
      expect((await server.request('PUT', `/documents/${big.id}`, { token: member.token, body: { content: 'c'.repeat(6 * MiB) } })).status).toBe(413);
    });

    it('hides another team’s project (404)', async () => {
      const response = await server.request('POST', '/documents', { token: outsider.token, body: { project_id: projectId, type: 'adr', title: 't', content: 'c' } });
      expect(response.status).toBe(404);
      expect(response.body.detail).toBe('Project not found');
    });
  });

  describe('listing', () => {
    let listProject: string;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      listProject = await createProject();
      const el = await createElement(server, member, listProject, { title: 'M' });
      const feature = await createFeature(server, member, listProject, { name: 'F' });
      const make = async (key: string, body: Record<string, unknown>) => {
        ids[key] = (await createDocument({ project_id: listProject, ...body })).id;
      };
      await make('adr', { type: 'adr', title: 'Use PostgreSQL', content: 'Because 100% of us know it', element_id: el.id });
      await make('runbook', { type: 'runbook', title: 'Deploy', content: 'run deploy_prod.sh', feature_id: feature.id });
      await make('notes', { type: 'notes', title: 'Retro', content: 'postgresql upgrade went fine' });
      ids.element = el.id;
      ids.feature = feature.id;
    });

    const list = (query = '') => server.request('GET', `/documents/project/${listProject}${query}`, { token: member.token });
    const titles = (body: { documents: { title: string }[] }) => body.documents.map((d) => d.title);

    it('lists most recently updated first', async () => {
      const response = await list();
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ total: 3, page: 1, page_size: 20 });
      expect(titles(response.body)).toEqual(['Retro', 'Deploy', 'Use PostgreSQL']);
      await server.request('PUT', `/documents/${ids.adr}`, { token: member.token, body: { tags: ['db'] } });
      expect(titles((await list()).body)).toEqual(['Use PostgreSQL', 'Retro', 'Deploy']);
    });

    it('filters by type, element and feature', async () => {
      expect(titles((await list('?type=runbook')).body)).toEqual(['Deploy']);
      expect(titles((await list(`?element_id=${ids.element}`)).body)).toEqual(['Use PostgreSQL']);
      expect(titles((await list(`?feature_id=${ids.feature}`)).body)).toEqual(['Deploy']);
    });

    it('searches title and content case-insensitively, with % and _ taken literally', async () => {
      expect(titles((await list('?search=POSTGRESQL')).body).sort()).toEqual(['Retro', 'Use PostgreSQL']);
      expect(titles((await list('?search=100%25')).body)).toEqual(['Use PostgreSQL']);
      expect((await list('?search=%25')).body.total).toBe(1);
      expect(titles((await list('?search=deploy_prod')).body)).toEqual(['Deploy']);
      expect((await list('?search=deploy_')).body.total).toBe(1);
      expect((await list('?search=e_u')).body.total).toBe(0);
    });

    it('pages with page/page_size and with skip/limit', async () => {
      const all = titles((await list()).body);
      const second = await list('?page=2&page_size=2');
      expect(second.body).toMatchObject({ total: 3, page: 2, page_size: 2 });
      expect(titles(second.body)).toEqual(all.slice(2));
      const skipped = await list('?skip=1&limit=1');
      expect(skipped.body).toMatchObject({ total: 3, page: 2, page_size: 1 });
      expect(titles(skipped.body)).toEqual(all.slice(1, 2));
      expect((await list('?page=0')).status).toBe(422);
    });

    it('hides another team’s project (404)', async () => {
      expect((await server.request('GET', `/documents/project/${listProject}`, { token: outsider.token })).status).toBe(404);
    });
  });

  describe('reading, updating and deleting', () => {
    it('gets a document and its content', async () => {
      const document = await createDocument({ type: 'architecture', title: 'Overview', content: 'Boxes and arrows' });
      const got = await server.request('GET', `/documents/${document.id}`, { token: member.token });
      expect(got.status).toBe(200);
      expect(got.body).toEqual(document);
      const content = await server.request('GET', `/documents/${document.id}/content`, { token: member.token });
      expect(content.body).toEqual({ id: document.id, title: 'Overview', type: 'architecture', content: 'Boxes and arrows', version: 1 });
    });

    it('updates partially, raising the version only when the content changes', async () => {
      const document = await createDocument({ title: 'Old', content: 'v1', tags: ['a'] });
      const renamed = await server.request('PUT', `/documents/${document.id}`, { token: member.token, body: { title: 'New' } });
      expect(renamed.body).toMatchObject({ title: 'New', content: 'v1', tags: ['a'], version: 1 });
      const same = await server.request('PUT', `/documents/${document.id}`, { token: member.token, body: { content: 'v1' } });
      expect(same.body.version).toBe(1);
      const changed = await server.request('PUT', `/documents/${document.id}`, { token: admin.token, body: { content: 'v2', tags: [] } });
      expect(changed.body).toMatchObject({ content: 'v2', tags: [], version: 2, updated_by: admin.id });
      expect(events).toContainEqual(expect.objectContaining({ name: 'projectUpdated', version: 2, payload: expect.objectContaining({ changes: expect.objectContaining({ action: 'document_updated', document_id: document.id }) }) }));
    });

    it('deletes (204), after which it is gone', async () => {
      const document = await createDocument({});
      const deleted = await server.request('DELETE', `/documents/${document.id}`, { token: member.token });
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expect((await server.request('GET', `/documents/${document.id}`, { token: member.token })).status).toBe(404);
      expect((await server.request('DELETE', `/documents/${document.id}`, { token: member.token })).status).toBe(404);
      expect(events).toContainEqual(expect.objectContaining({ name: 'projectUpdated', payload: expect.objectContaining({ changes: expect.objectContaining({ action: 'document_deleted', document_id: document.id }) }) }));
    });

    it('answers 404 "Document not found" to another team on every route', async () => {
      const document = await createDocument({});
      const calls: [string, string, unknown?][] = [
        ['GET', `/documents/${document.id}`],
        ['GET', `/documents/${document.id}/content`],
        ['PUT', `/documents/${document.id}`, { title: 'x' }],
        ['DELETE', `/documents/${document.id}`],
      ];
      for (const [method, path, body] of calls) {
        const response = await server.request(method, path, { token: outsider.token, body });
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(response.body.detail).toBe('Document not found');
      }
      expect((await server.request('GET', `/documents/${document.id}`, { token: member.token })).body.title).toBe(document.title);
    });

    it('answers 422 to an id that is not a UUID', async () => {
      expect((await server.request('GET', '/documents/abc', { token: member.token })).status).toBe(422);
      expect((await server.request('GET', '/documents/abc/content', { token: member.token })).status).toBe(422);
      expect((await server.request('GET', '/documents/project/abc', { token: member.token })).status).toBe(422);
    });

    it('writes an activity row per change, without the content', async () => {
      const document = await createDocument({ content: 'secret-ish text' });
      await server.request('PUT', `/documents/${document.id}`, { token: member.token, body: { content: 'more' } });
      await server.request('DELETE', `/documents/${document.id}`, { token: member.token });
      const rows = await db().select().from(activity).where(eq(activity.entityId, document.id));
      expect(rows.map((row) => row.action).sort()).toEqual(['document.created', 'document.deleted', 'document.updated']);
      expect(JSON.stringify(rows)).not.toContain('secret-ish');
    });
  });

  it('serves the same routes under /v1', async () => {
    const created = await server.request('POST', '/v1/documents', { token: member.token, body: { project_id: projectId, type: 'notes', title: 'v1', content: 'c' } });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await server.request('GET', `/v1/documents/${id}`, { token: member.token })).status).toBe(200);
    expect((await server.request('GET', `/v1/documents/${id}/content`, { token: member.token })).status).toBe(200);
    expect((await server.request('GET', `/v1/documents/project/${projectId}`, { token: member.token })).status).toBe(200);
    expect((await server.request('PUT', `/v1/documents/${id}`, { token: member.token, body: { title: 'v1b' } })).body.title).toBe('v1b');
    expect((await server.request('DELETE', `/v1/documents/${id}`, { token: member.token })).status).toBe(204);
  });

  it('describes its routes in the OpenAPI document', async () => {
    const response = await server.request('GET', '/openapi.json');
    expect(response.status).toBe(200);
    const paths = response.body.paths;
    for (const path of ['/documents', '/documents/{id}', '/documents/{id}/content', '/documents/project/{pid}', '/sessions', '/sessions/{id}/end', '/ideas/{id}/convert', '/projects/{id}/resume-context', '/projects/{id}/active-users']) {
      expect(paths[path], path).toBeDefined();
    }
    const create = paths['/documents'].post;
    expect(create.tags).toEqual(['documents']);
    expect(create.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '404', '413', '422']));
  });
});
