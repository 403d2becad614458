/**
 * The fake GitHub of the test suite (test/helpers/fake-github) in a process of its own,
 * as the slow upstream of scenario 6: every GitHub call the app makes waits
 * `BENCH_GITHUB_DELAY_MS` there. The runner sets it up over IPC: users (with the login
 * the next OAuth sign-in uses), one repository, then the delay.
 */
import { startFakeGitHub } from '../../test/helpers/fake-github/index.js';
import { announce, serveCalls } from './ipc.js';

const fake = await startFakeGitHub();

serveCalls({
  'add-user': (login) => {
    fake.addUser(String(login));
    return null;
  },
  'sign-in-as': (login) => fake.signInAs(String(login)),
  'add-repo': (args) => {
    const { owner, name } = args as { owner: string; name: string };
    const repo = fake.addRepo(owner, name);
    return { id: repo.id };
  },
  delay: (ms) => fake.setDelay(Number(ms)),
  // The fake records every request for tests; a benchmark would only grow it.
  forget: () => {
    fake.requests.length = 0;
    return null;
  },
});

announce(fake.url);
process.on('SIGTERM', () => {
  void fake.close().finally(() => process.exit(0));
});
