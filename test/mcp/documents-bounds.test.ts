import { randomBytes } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject } from '../helpers/content.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';
import { type McpWorld, callTool, connectMcp, mcpWorld, ok } from './helpers.js';

/** docs/security.md "Bounded inputs": the document quota (REST and MCP) and lists that never read bodies. */

describe('a per-project document-bytes quota', () => {
  let server: TestServer;
  let world: McpWorld;
  let mcp: Client;

  beforeAll(async () => {
    server = await startServer({ DOCUMENT_QUOTA_BYTES: '10000' });
    world = await mcpWorld(server);
    mcp = await connectMcp(server, world.key);
  });
  afterAll(async () => {
    await mcp?.close().catch(() => undefined);
    await server?.close();
  });

  const create = (projectId: string, content: string) =>
    server.request('POST', '/documents', { token: world.leader.token, body: { project_id: projectId, type: 'notes', title: unique('d-'), content } });

  it('answers 413 over REST once a project’s documents would pass the quota, counting UTF-8 bytes', async () => {
    const projectId = await createProject(server, world.leader, world.team.id);
    expect((await create(projectId, 'a'.repeat(6000))).status).toBe(201);
    const over = await create(projectId, 'é'.repeat(2001)); // 4002 bytes, 2001 characters
    expect(over.status).toBe(413);
    expect(over.body).toMatchObject({ quota_bytes: 10000, used_bytes: 6000, content_bytes: 4002 });
    expect(over.body.detail).toMatch(/^Project documents may hold at most 10000 bytes in all/);
    expect((await create(projectId, 'é'.repeat(2000))).status).toBe(201); // exactly 10000
    expect((await create(projectId, 'x')).status).toBe(413);
    // Another project has its own quota.
    const other = await createProject(server, world.leader, world.team.id);
    expect((await create(other, 'b'.repeat(9000))).status).toBe(201);
  });

  it('counts a rewrite as replacing the document’s old content, and refuses one that would pass the quota', async () => {
    const projectId = await createProject(server, world.leader, world.team.id);
    const first = await create(projectId, 'a'.repeat(9000));
    const grown = await server.request('PUT', `/documents/${first.body.id}`, { token: world.leader.token, body: { content: 'a'.repeat(10_001) } });
    expect(grown.status).toBe(413);
    const rewritten = await server.request('PUT', `/documents/${first.body.id}`, { token: world.leader.token, body: { content: 'b'.repeat(10_000) } });
    expect(rewritten.status).toBe(200);
    const shrunk = await server.request('PUT', `/documents/${first.body.id}`, { token: world.leader.token, body: { content: 'c'.repeat(4000) } });
    expect(shrunk.status).toBe(200);
    expect((await create(projectId, 'd'.repeat(6000))).status).toBe(201);
  });

  it('answers the same over MCP, as an error result carrying status 413', async () => {
    const projectId = await createProject(server, world.leader, world.team.id);
    await ok(mcp, 'mcp_create_document', { projectId, type: 'notes', title: 't', content: 'a'.repeat(8000) });
    const over = await callTool(mcp, 'mcp_create_document', { projectId, type: 'notes', title: 't2', content: 'a'.repeat(2001) });
    expect(over.isError).toBe(true);
    expect(over.body).toMatchObject({ status: 413, quota_bytes: 10000, used_bytes: 8000 });
  });
});

describe('document lists that name documents never read their bodies', () => {
  let server: TestServer;
  let big: { world: McpWorld; mcp: Client };
  const DOCUMENTS = 8;
  const BODY_BYTES = 4 * 1024 * 1024;

  const worldWithDocuments = async (bodyBytes: number) => {
    const world = await mcpWorld(server);
    for (let i = 0; i < DOCUMENTS; i += 1) {
      // Random hex: little for the database to compress, and one "word" too long for
      // the search index to keep (prose this size would overflow a tsvector).
      const content = randomBytes(bodyBytes / 2).toString('hex');
      const made = await server.request('POST', '/documents', { token: world.leader.token, body: { project_id: world.projectId, type: 'notes', title: `doc ${i}`, content } });
      expect(made.status).toBe(201);
    }
    return { world, mcp: await connectMcp(server, world.key) };
  };

  beforeAll(async () => {
    server = await startServer();
    big = await worldWithDocuments(BODY_BYTES);
  }, 120_000);
  afterAll(async () => {
    await big?.mcp.close();
    await server?.close();
  });

  // Whether the query reads the bodies at all shows on no public surface; it is held by
  // the summary column list (domain/documents/service.ts), not by a timing, which this
  // shared machine would make flaky. What the answers carry is held here.
  it('answers resources/list and mcp_list_documents over 32 MiB of documents with names only, no bodies', async () => {
    const resources = await big.mcp.listResources();
    const named = resources.resources.filter((resource) => resource.uri.startsWith('intracker://document/'));
    expect(named).toHaveLength(DOCUMENTS);
    expect(JSON.stringify(resources).length).toBeLessThan(20_000);
    const listed = await ok(big.mcp, 'mcp_list_documents', { projectId: big.world.projectId });
    expect(listed.documents).toHaveLength(DOCUMENTS);
    for (const document of listed.documents) expect(document).not.toHaveProperty('content');
    expect(JSON.stringify(listed).length).toBeLessThan(20_000);
  });

  it('keeps content in the REST list, which the web client previews and edits from', async () => {
    const rest = await server.request('GET', `/documents/project/${big.world.projectId}?page_size=100`, { token: big.world.leader.token });
    expect(rest.status).toBe(200);
    expect(rest.body.documents).toHaveLength(DOCUMENTS);
    expect(rest.body.documents[0].content.length).toBe(BODY_BYTES);
  });
});
