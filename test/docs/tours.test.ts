import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { missingTourTools, readDocTour, runDocTour } from '../helpers/doc-tours.js';
import { type FreshDatabase, freshDatabase } from '../helpers/fresh-database.js';
import { type TestServer, startServer } from '../helpers/server.js';

// The README and docs/api.md promise tours a reader can paste; these run them, so a
// renamed field, a changed status or a variable nobody sets fails CI instead of a reader.

const repoFile = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

// A newcomer's `npm test` must pass with nothing but Node installed, so without curl or
// jq these are skipped, by name; CI sets INTRACKER_DOC_TOURS=required, so there they run.
const missing = await missingTourTools();
if (missing.length > 0 && process.env.INTRACKER_DOC_TOURS === 'required') {
  throw new Error(`The doc tours need ${missing.join(', ')}, which this machine lacks`);
}

describe.skipIf(missing.length > 0)(`the docs run as written${missing.length ? ` (skipped: no ${missing.join(', ')})` : ''}`, () => {
  let server: TestServer | undefined;
  let database: FreshDatabase | undefined;

  afterEach(async () => {
    await server?.close();
    await database?.drop();
    server = undefined;
    database = undefined;
  });

  async function runTour(path: string) {
    const tour = await readDocTour(repoFile(path));
    database = await freshDatabase();
    // The stack under test picks the database; the rest of the doc's environment applies.
    const { DATABASE_URL: _docDatabase, ...docEnv } = tour.serverEnv;
    server = await startServer({
      INTRACKER_ADMIN_EMAIL: undefined,
      INTRACKER_ADMIN_PASSWORD: undefined,
      ...docEnv,
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    });
    const firstStart = server.app.firstStart;
    const code = firstStart.kind === 'invitation' ? firstStart.invitation.code : 'no-code-printed';
    const run = await runDocTour(tour, { B: server.url, CODE: code });
    const transcript = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    return { tour, run, transcript };
  }

  it('the README tour: register with the printed code, log in, make a team, invite', async () => {
    const { run, transcript, tour } = await runTour('README.md');
    expect(run.exitCode, transcript).toBe(0);
    expect(run.answers.length, transcript).toBeGreaterThanOrEqual(5);
    const errors = run.answers.filter((answer) => answer.status >= 400 || answer.status < 200);
    expect(errors.map((answer) => answer.status), transcript).toEqual(tour.expectedErrors);
  });

  it('docs/api.md: every command answers as shown, the errors it shows included', async () => {
    const { run, transcript, tour } = await runTour('docs/api.md');
    expect(run.exitCode, transcript).toBe(0);
    expect(run.answers.length, transcript).toBeGreaterThanOrEqual(25);
    const errors = run.answers.filter((answer) => answer.status >= 400 || answer.status < 200);
    expect(tour.expectedErrors.length).toBeGreaterThan(0);
    expect(errors.map((answer) => `${answer.status} ${answer.method} ${answer.url}`), transcript).toHaveLength(
      tour.expectedErrors.length,
    );
    expect(errors.map((answer) => answer.status), transcript).toEqual(tour.expectedErrors);
  });
});
