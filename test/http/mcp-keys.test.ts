import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('MCP API keys', () => {
  let server: TestServer;
  let admin: Session;
  let team: { id: string };
  let member: Session;
  let other: Session;

  async function create(session: Session, body?: unknown, path = '/mcp-keys') {
    const response = await server.request('POST', path, { token: session.token, ...(body !== undefined && { body }) });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body;
  }

  beforeAll(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    team = await createTeam(server, admin);
    member = await registerTeamMember(server, admin, team.id);
    other = await registerTeamMember(server, admin, (await createTeam(server, admin)).id);
  });
  afterAll(() => server.close());

  it('answers 404 for the current key before there is one', async () => {
    const response = await server.request('GET', '/mcp-keys/current', { token: member.token });
    expect(response.status).toBe(404);
    expect(response.body.detail).toBe('No active MCP API key found. Generate a new one to get started.');
  });

  it('creates a key shown once as intracker_mcp_ + 43 base64url characters, and raises onboarding to 2', async () => {
    const before = await server.request('GET', '/auth/me', { token: member.token });
    expect(before.body.onboarding_step).toBe(0);
    const created = await create(member, { name: 'laptop', expires_in_days: 30 });
    expect(created.plain_text_key).toMatch(/^intracker_mcp_[A-Za-z0-9_-]{43}$/);
    expect(created.key).toMatchObject({ user_id: member.id, name: 'laptop', is_active: true, read_only: false, tool_profile: null, project_id: null, last_used_at: null });
    expect(created.key).not.toHaveProperty('key_hash');
    const days = (Date.parse(created.key.expires_at) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    const me = await server.request('GET', '/auth/me', { token: member.token });
    expect(me.body.onboarding_step).toBe(2);
    // No GitHub token yet: setup is not complete.
    expect(me.body.setup_completed).toBe(false);

    const current = await server.request('GET', '/mcp-keys/current', { token: member.token });
    expect(current.status).toBe(200);
    expect(current.body.id).toBe(created.key.id);
    expect(JSON.stringify(current.body)).not.toContain(created.plain_text_key);
  });

  it('keeps one active key: creating or regenerating revokes the others', async () => {
    const first = await create(member);
    const second = await create(member, { name: 'regen' }, '/mcp-keys/regenerate');
    expect(second.plain_text_key).not.toBe(first.plain_text_key);
    const active = await server.request('GET', '/mcp-keys', { token: member.token });
    expect(active.body).toMatchObject({ total: 1, page: 1, page_size: 20 });
    expect(active.body.keys[0].id).toBe(second.key.id);
    const all = await server.request('GET', '/mcp-keys?include_inactive=true&page_size=2', { token: member.token });
    expect(all.body.total).toBeGreaterThanOrEqual(3);
    expect(all.body.keys).toHaveLength(2);
    expect(all.body.keys[0].id).toBe(second.key.id);
    expect(all.body.keys[1]).toMatchObject({ id: first.key.id, is_active: false });
    const skipped = await server.request('GET', '/mcp-keys?include_inactive=true&skip=1&limit=1', { token: member.token });
    expect(skipped.body.keys.map((key: { id: string }) => key.id)).toEqual([first.key.id]);
  });

  it('never lets two racing creations leave two active keys', async () => {
    const racer = await registerTeamMember(server, admin, team.id);
    await Promise.all(Array.from({ length: 5 }, () => server.request('POST', '/mcp-keys', { token: racer.token })));
    const active = await server.request('GET', '/mcp-keys', { token: racer.token });
    expect(active.body.total).toBe(1);
  });

  it('scopes a key to a project the user can read, with read-only and a tool profile', async () => {
    const project = await server.request('POST', '/projects', { token: member.token, body: { team_id: team.id, name: unique('p-') } });
    const created = await create(member, { project_id: project.body.id, read_only: true, tool_profile: 'core' });
    expect(created.key).toMatchObject({ project_id: project.body.id, read_only: true, tool_profile: 'core' });
    const foreign = await server.request('POST', '/mcp-keys', { token: other.token, body: { project_id: project.body.id } });
    expect(foreign.status).toBe(404);
    expect(foreign.body.detail).toBe('Project not found');
  });

  it('validates the body', async () => {
    for (const body of [{ expires_in_days: 0 }, { name: 'x'.repeat(256) }, { project_id: 'nope' }]) {
      const response = await server.request('POST', '/mcp-keys', { token: member.token, body });
      expect(response.status, JSON.stringify(body)).toBe(422);
    }
    const profile = await server.request('POST', '/mcp-keys', { token: member.token, body: { tool_profile: 'everything' } });
    expect(profile.status).toBe(400);
    expect(profile.body.detail).toBe('tool_profile must be one of: core, standard, all (got "everything")');
  });

  it('lets only the owner read, revoke or delete a key', async () => {
    const created = await create(member);
    const id = created.key.id;
    for (const [method, path] of [
      ['GET', `/mcp-keys/${id}`],
      ['POST', `/mcp-keys/${id}/revoke`],
      ['DELETE', `/mcp-keys/${id}`],
    ] as const) {
      const response = await server.request(method, path, { token: other.token });
      expect(response.status, `${method} ${path}`).toBe(404);
      if (method !== 'GET') expect(response.body.detail).toBe('MCP API key not found or not authorized');
    }
    expect((await server.request('GET', `/mcp-keys/${id}`, { token: member.token })).body.is_active).toBe(true);

    expect((await server.request('POST', `/mcp-keys/${id}/revoke`, { token: member.token })).status).toBe(204);
    expect((await server.request('GET', `/mcp-keys/${id}`, { token: member.token })).body.is_active).toBe(false);
    expect((await server.request('GET', '/mcp-keys/current', { token: member.token })).status).toBe(404);

    expect((await server.request('DELETE', `/mcp-keys/${id}`, { token: member.token })).status).toBe(204);
    expect((await server.request('GET', `/mcp-keys/${id}`, { token: member.token })).status).toBe(404);
    expect((await server.request('DELETE', `/v1/mcp-keys/${UNKNOWN_ID}`, { token: member.token })).status).toBe(404);
  });

  it('needs a signed-in user', async () => {
    expect((await server.request('GET', '/mcp-keys')).status).toBe(401);
    expect((await server.request('POST', '/mcp-keys')).status).toBe(401);
  });
});
