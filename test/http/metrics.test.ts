import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { createProject } from '../helpers/content.js';
import { type TestServer, startServer } from '../helpers/server.js';
import { callTool, connectMcp, createMcpKey } from '../mcp/helpers.js';

const TOKEN = 'scrape-secret-0123456789';
const scrape = (server: TestServer) => server.request('GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });

/** The value of one sample line (`name{labels} value`), 0 when the series does not exist yet. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return Number(line?.split(' ')[1] ?? 0);
}

describe('GET /metrics with METRICS_TOKEN set', () => {
  let server: TestServer;
  let admin: Session;
  let member: Session;
  let projectId: string;
  let mcp: Client;

  beforeAll(async () => {
    server = await startServer({ METRICS_TOKEN: TOKEN });
    admin = await loginAdmin(server);
    const team = await createTeam(server, admin);
    member = await registerTeamMember(server, admin, team.id, 'team_leader');
    projectId = await createProject(server, member, team.id);
    mcp = await connectMcp(server, await createMcpKey(server, member));
  });
  afterAll(async () => {
    await mcp?.close();
    await server?.close();
  });

  describe('access', () => {
    it('refuses a scrape without a token with 401 and a Bearer challenge', async () => {
      const response = await server.request('GET', '/metrics');
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(response.body).toEqual({ detail: 'Not authenticated' });
    });

    it('refuses a wrong token, a token of another length and a user’s JWT', async () => {
      for (const authorization of [`Bearer ${TOKEN.replace(/.$/, 'X')}`, 'Bearer short', TOKEN, `Bearer ${member.token}`]) {
        const response = await server.request('GET', '/metrics', { headers: { authorization } });
        expect(response.status, authorization).toBe(401);
      }
    });

    it('serves Prometheus text with the right token', async () => {
      const response = await scrape(server);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      expect(response.text).toContain('# TYPE mcp_tool_calls_total counter');
    });
  });

  describe('MCP tool calls', () => {
    it('counts a successful call as ok, by tool, with its duration', async () => {
      const before = (await scrape(server)).text;
      expect((await callTool(mcp, 'mcp_get_project_context', { projectId })).isError).toBe(false);
      const after = (await scrape(server)).text;
      const series = '{tool="mcp_get_project_context",outcome="ok"}';
      expect(sample(after, `mcp_tool_calls_total${series}`) - sample(before, `mcp_tool_calls_total${series}`)).toBe(1);
      expect(sample(after, `mcp_tool_call_duration_seconds_count${series}`) - sample(before, `mcp_tool_call_duration_seconds_count${series}`)).toBe(1);
      expect(sample(after, `mcp_tool_call_duration_seconds_sum${series}`)).toBeGreaterThan(0);
    });

    it('counts a call a rule refused (an unknown project) as error', async () => {
      const series = 'mcp_tool_calls_total{tool="mcp_get_project_context",outcome="error"}';
      const before = sample((await scrape(server)).text, series);
      const answer = await callTool(mcp, 'mcp_get_project_context', { projectId: '00000000-0000-4000-8000-000000000000' });
      expect(answer.isError).toBe(true);
      expect(sample((await scrape(server)).text, series) - before).toBe(1);
    });

    it('counts arguments the schema refuses as invalid_input, without timing a handler that never ran', async () => {
      const series = '{tool="mcp_get_project_context",outcome="invalid_input"}';
      const before = (await scrape(server)).text;
      expect((await callTool(mcp, 'mcp_get_project_context', { projectId: 'not-a-uuid' })).isError).toBe(true);
      expect((await callTool(mcp, 'mcp_get_project_context', { projectId, unknownArgument: 1 })).isError).toBe(true);
      const after = (await scrape(server)).text;
      expect(sample(after, `mcp_tool_calls_total${series}`) - sample(before, `mcp_tool_calls_total${series}`)).toBe(2);
      expect(sample(after, `mcp_tool_call_duration_seconds_count${series}`)).toBe(0);
    });
  });

  describe('cache', () => {
    it('counts a miss, then a hit, for a cached read', async () => {
      const before = (await scrape(server)).text;
      expect((await server.request('GET', '/projects', { token: member.token })).status).toBe(200);
      expect((await server.request('GET', '/projects', { token: member.token })).status).toBe(200);
      const after = (await scrape(server)).text;
      expect(sample(after, 'cache_misses_total') - sample(before, 'cache_misses_total')).toBeGreaterThanOrEqual(1);
      expect(sample(after, 'cache_hits_total') - sample(before, 'cache_hits_total')).toBeGreaterThanOrEqual(1);
    });
  });
});
