import { type Scenario, withLoopDelay } from '../lib/context.js';
import { problems, warmThenLoad } from '../lib/load.js';
import { finish } from '../lib/report.js';
import { newProject } from '../lib/seed.js';
import { bareOneKilobyte } from './baseline.js';
import { loopDelayRow } from './loop-delay.js';

/**
 * Scenario 2: the authenticated, cached single-resource read — the same
 * `GET /projects/{id}` over and over — against the bare 1 KB server; `GET /auth/me`
 * beside it for reference (no target).
 */
export const cachedProject: Scenario = {
  name: 'cached-project',
  async run(context) {
    const { settings } = context;
    const bare = await bareOneKilobyte(context);
    const { child, api } = await context.app();
    const { projectId } = await newProject(api, 'cached read');
    const headers = { authorization: `Bearer ${api.token}` };
    const options = { connections: settings.connections, seconds: settings.sampleSeconds, warmupSeconds: settings.warmupSeconds };
    const project = await withLoopDelay(child, () => warmThenLoad({ url: `${child.url}/projects/${projectId}`, headers }, options));
    const me = await warmThenLoad({ url: `${child.url}/auth/me`, headers }, options);
    const settingsText = `${settings.connections} connections, ${project.result.seconds} s, authenticated`;
    return [
      finish(context.stack.name, {
        scenario: '2 cached read',
        name: 'GET /projects/{id}',
        settings: settingsText,
        unit: 'req/s',
        baseline: bare.sample.requestsPerSecond,
        baselineName: 'bare 1 KB',
        measured: project.result.requestsPerSecond,
        target: { on: 'ratio', op: '>=', value: 0.4 },
        notes: problems(project.result),
        details: { sample: project.result, baseline: bare.sample },
      }),
      finish(context.stack.name, {
        scenario: '2 cached read',
        name: 'GET /auth/me (reference)',
        settings: settingsText,
        unit: 'req/s',
        baseline: bare.sample.requestsPerSecond,
        baselineName: 'bare 1 KB',
        measured: me.requestsPerSecond,
        target: null,
        notes: problems(me),
        details: { sample: me },
      }),
      loopDelayRow(context, 'GET /projects/{id}', project.loop, bare.loop),
    ];
  },
};
