import { expect, inject } from 'vitest';
import { type Session, createTeam, loginAdmin, registerTeamMember } from '../helpers/actors.js';
import { createProject } from '../helpers/content.js';
import type { FakeGitHub } from '../helpers/fake-github/index.js';
import { type TestServer, startServer, unique } from '../helpers/server.js';

/**
 * What the GitHub tests share: a server pointed at the fake GitHub, and users who
 * connect their GitHub account the way the web client does it (authorize → GitHub's
 * page → callback with code and state).
 */

export function githubEnv(fake: FakeGitHub, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    GITHUB_API_URL: fake.url,
    GITHUB_OAUTH_URL: fake.url,
    GITHUB_OAUTH_CLIENT_ID: fake.clientId,
    GITHUB_OAUTH_CLIENT_SECRET: fake.clientSecret,
    GITHUB_RETRY_BASE_MS: '10',
    ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    ...extra,
  };
}

/**
 * A server of its own Redis key prefix: its job queue is then its own, so no other
 * test file's server (pointed at another fake GitHub) runs its imports.
 */
export function startGitHubServer(fake: FakeGitHub, extra: Record<string, string | undefined> = {}): Promise<TestServer> {
  return startServer(githubEnv(fake, { REDIS_KEY_PREFIX: `${inject('redisPrefix') ?? 'test:'}${unique('github-')}:`, ...extra }));
}

/** Connects `user`'s GitHub account as the fake's `login` (added to the fake if new). */
export async function connectGitHub(server: TestServer, fake: FakeGitHub, user: Session, login: string): Promise<void> {
  fake.addUser(login);
  fake.signInAs(login);
  const started = await server.request('GET', '/auth/github/authorize', { token: user.token });
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  const page = await fetch(started.body.authorization_url, { redirect: 'manual' });
  expect(page.status).toBe(302);
  const location = new URL(page.headers.get('location') ?? '');
  const grant = { code: location.searchParams.get('code') ?? '', state: location.searchParams.get('state') ?? '' };
  const connected = await server.request('GET', `/auth/github/callback?${new URLSearchParams(grant)}`, { token: user.token });
  expect(connected.status, JSON.stringify(connected.body)).toBe(200);
  expect(connected.body.github_username).toBe(login);
}

export interface GitHubWorld {
  admin: Session;
  teamId: string;
  /** Team leader, GitHub `<prefix>-lead`. */
  leader: Session;
  /** Member, GitHub `<prefix>-dev`. */
  member: Session;
  /** Member without a GitHub account. */
  unconnected: Session;
  /** Team leader of another team. */
  outsider: Session;
  logins: { leader: string; member: string };
}

/** A team with a connected leader and member, a member without GitHub, and an outsider. */
export async function githubWorld(server: TestServer, fake: FakeGitHub, prefix: string): Promise<GitHubWorld> {
  const admin = await loginAdmin(server);
  const team = await createTeam(server, admin);
  const leader = await registerTeamMember(server, admin, team.id, 'team_leader');
  const member = await registerTeamMember(server, leader, team.id);
  const unconnected = await registerTeamMember(server, leader, team.id);
  const otherTeam = await createTeam(server, admin);
  const outsider = await registerTeamMember(server, admin, otherTeam.id, 'team_leader');
  const logins = { leader: `${prefix}-lead`, member: `${prefix}-dev` };
  await connectGitHub(server, fake, leader, logins.leader);
  await connectGitHub(server, fake, member, logins.member);
  await connectGitHub(server, fake, outsider, `${prefix}-out`);
  return { admin, teamId: team.id, leader, member, unconnected, outsider, logins };
}

/** A project of the team with `github_repo_url` set directly (as a team leader may, without the connect check). */
export async function projectWithRepoUrl(server: TestServer, world: GitHubWorld, url: string | null): Promise<string> {
  const id = await createProject(server, world.leader, world.teamId);
  if (url !== null) {
    const updated = await server.request('PUT', `/projects/${id}`, { token: world.leader.token, body: { github_repo_url: url } });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
  }
  return id;
}

/** Connects the repository to the project through the route, as the leader. */
export async function connectRepo(server: TestServer, world: GitHubWorld, projectId: string, owner: string, repo: string): Promise<void> {
  const connected = await server.request('POST', `/github/projects/${projectId}/connect`, { token: world.leader.token, body: { owner, repo } });
  expect(connected.status, JSON.stringify(connected.body)).toBe(200);
}
