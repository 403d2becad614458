import { BENCH_ADMIN } from '../bench-app.js';
import { type Scenario, withLoopDelay } from '../lib/context.js';
import { connectGitHub, membersWithGitHub } from '../lib/github-users.js';
import { childEnv, forkChild } from '../lib/ipc.js';
import { load, problems } from '../lib/load.js';
import { finish } from '../lib/report.js';
import { newProject } from '../lib/seed.js';

/** GitHub calls one user may have in flight (the app's default `GITHUB_MAX_CONCURRENCY_PER_USER`). */
const GITHUB_CALLS_PER_USER = 4;

/**
 * Scenario 6: does waiting on I/O or hashing passwords hold anyone up? `/health` is
 * sampled at a low rate, alone (the baseline) and then while many requests wait on
 * GitHub — real `GET /github/projects/{id}/repo` calls, through Octokit, to a fake
 * GitHub that answers after 500 ms — and logins hash with argon2, all at once. The
 * GitHub load comes from enough connected users that no one's concurrency cap is
 * what it measures. The same probe against a bare `node:http` server shows the floor
 * of the measurement itself (autocannon's paced requests on a shared machine), which
 * the row's settings name (a note would mark it not met).
 */
export const slowUpstream: Scenario = {
  name: 'slow-upstream',
  async run(context) {
    const { settings } = context;
    const { upstream: u } = settings;
    const { child, api: admin, github } = await context.app();
    const { teamId, projectId } = await newProject(admin, 'github');
    const owner = `bench-${Date.now().toString(36)}`;
    await connectGitHub(admin, github, owner);
    await github.call('add-repo', { owner, name: 'shop' });
    await admin.call('POST', `/github/projects/${projectId}/connect`, { owner, repo: 'shop' });
    const members = await membersWithGitHub(admin, github, teamId, Math.ceil(u.requests / GITHUB_CALLS_PER_USER));
    await github.call('delay', u.delayMs);
    context.defer(async () => {
      await github.call('delay', 0);
      await github.call('forget');
    });

    const seconds = settings.sampleSeconds;
    const probe = { connections: u.healthConnections, overallRate: u.healthRate, seconds };
    const health = { url: `${child.url}/health` };
    if (settings.warmupSeconds > 0) await load(health, { ...probe, seconds: settings.warmupSeconds });
    const alone = await load(health, probe);
    const bare = await forkChild('fixture-server.ts', childEnv({}));
    context.defer(() => bare.stop());
    await bare.call('body', JSON.stringify({ status: 'ok' }));
    const floor = await load({ url: `${bare.url}/` }, probe);
    await bare.stop();
    // The heavy loads start first and run a second longer, so the probe sees them at full strength throughout.
    const heavySeconds = seconds + 1;
    const waits = load(
      { url: `${child.url}/github/projects/${projectId}/repo`, connectionHeaders: members.map((member) => ({ authorization: `Bearer ${member.token}` })) },
      { connections: u.requests, seconds: heavySeconds },
    );
    const logins = load(
      { url: `${child.url}/auth/login`, method: 'POST', body: JSON.stringify(BENCH_ADMIN) },
      { connections: u.logins, seconds: heavySeconds },
    );
    await new Promise((resolve) => setTimeout(resolve, Math.min(500, u.delayMs)));
    // The app's own event-loop delay over the probe tells a blocked loop apart from a
    // server that is merely short of CPU (two cores, shared with argon2, the database
    // worker, the fake GitHub and the load generator).
    const { result: loaded, loop } = await withLoopDelay(child, () => load(health, probe));
    const [waited, loggedIn] = await Promise.all([waits, logins]);

    const notes = [
      ...problems(loaded, '/health requests'),
      ...problems(waited, 'GitHub-bound requests'),
      ...problems(loggedIn, 'logins'),
      // Answers faster than the upstream's delay would mean the route never waited on it.
      ...(waited.ok > 0 && waited.p50Ms < u.delayMs ? [`GitHub-bound route answered in ${waited.p50Ms} ms, under the fake GitHub's ${u.delayMs} ms`] : []),
    ];
    return [
      finish(context.stack.name, {
        scenario: '6 slow upstream',
        name: 'GET /health p99',
        settings: `${u.healthConnections} connections at ${u.healthRate} req/s, beside ${u.requests} GitHub-bound requests (${members.length} users) on a ${u.delayMs} ms fake GitHub + ${u.logins} logins, ${seconds} s; the same probe on a bare node:http server: p99 ${floor.ok > 0 ? `${floor.p99Ms} ms` : 'none answered'}; the app's event-loop delay meanwhile: p99 ${loop.p99Ms} ms`,
        unit: 'ms',
        baseline: alone.ok > 0 ? alone.p99Ms : null,
        baselineName: '/health alone',
        measured: loaded.ok > 0 ? loaded.p99Ms : null,
        target: { on: 'measured', op: '<=', value: 10 },
        notes,
        details: {
          health: loaded,
          healthAlone: alone,
          bareServer: floor,
          upstream: waited,
          logins: loggedIn,
          appLoopDelay: loop,
          loginsPerSecond: loggedIn.requestsPerSecond,
        },
      }),
    ];
  },
};
