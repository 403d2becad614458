import { type Api, inParallel, login } from './api.js';
import type { Child } from './ipc.js';

/** The password of every user the GitHub set-up creates. */
const PASSWORD = 'Bench-GitHub-Passw0rd!';

/**
 * Connects the account behind `api` to the fake GitHub the way a person does: the
 * authorisation URL from the API, GitHub's redirect back with a code (the fake signs
 * in as `githubLogin`), then the callback.
 */
export async function connectGitHub(api: Api, github: Child, githubLogin: string): Promise<void> {
  await github.call('add-user', githubLogin);
  await github.call('sign-in-as', githubLogin);
  const { authorization_url: authorizationUrl } = await api.call<{ authorization_url: string }>('GET', '/auth/github/authorize');
  const redirect = await fetch(authorizationUrl, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  const back = new URL(redirect.headers.get('location') ?? '', 'http://invalid');
  const code = back.searchParams.get('code');
  const state = back.searchParams.get('state');
  if (!code || !state) throw new Error(`the fake GitHub did not redirect with a code (HTTP ${redirect.status})`);
  await api.call('GET', `/auth/github/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`);
}

/**
 * `count` members of `teamId`, each signed in and with GitHub connected, for loads that
 * must not share one GitHub identity (each has its own concurrency cap). Sign-ins at
 * the fake are one at a time: it signs in as whoever it was told to last.
 */
export async function membersWithGitHub(admin: Api, github: Child, teamId: string, count: number): Promise<Api[]> {
  const tag = Date.now().toString(36);
  const members = await inParallel(
    8,
    Array.from({ length: count }, (_, index) => async () => {
      const email = `gh-${tag}-${index}@bench.intracker.test`;
      await admin.call('POST', '/admin/create-user', { email, password: PASSWORD, name: `GitHub user ${index}`, team_id: teamId });
      return login(admin.base, { email, password: PASSWORD });
    }),
  );
  for (const [index, member] of members.entries()) await connectGitHub(member, github, `gh-${tag}-${index}`);
  return members;
}
