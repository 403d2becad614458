import { type Scenario, withLoopDelay } from '../lib/context.js';
import { problems, warmThenLoad } from '../lib/load.js';
import { finish } from '../lib/report.js';
import { seedTree } from '../lib/seed.js';
import { measureBare } from './baseline.js';
import { loopDelayRow } from './loop-delay.js';

/**
 * Scenario 3: the biggest common read. The tree is fetched once and its exact bytes
 * served by a bare server: that server is this scenario's baseline, so the ratio is
 * what the app costs beyond moving the same bytes.
 */
export const elementTree: Scenario = {
  name: 'element-tree',
  async run(context) {
    const { settings } = context;
    const { child, api } = await context.app();
    const seeded = await seedTree(api, settings.tree);
    context.log(`seeded ${seeded.elementIds.length} elements and ${seeded.todoIds.length} todos in ${seeded.seconds} s`);
    const path = `/elements/project/${seeded.projectId}/tree`;
    const response = await fetch(`${child.url}${path}`, { headers: { authorization: `Bearer ${api.token}` } });
    const body = await response.text();
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${body.slice(0, 200)}`);
    const bare = await measureBare(context, body);
    const options = { connections: settings.connections, seconds: settings.sampleSeconds, warmupSeconds: settings.warmupSeconds };
    const tree = await withLoopDelay(child, () => warmThenLoad({ url: `${child.url}${path}`, headers: { authorization: `Bearer ${api.token}` } }, options));
    return [
      finish(context.stack.name, {
        scenario: '3 element tree',
        name: `GET /elements/project/{id}/tree (${(bare.bytes / 1024).toFixed(0)} KB)`,
        settings: `${settings.tree.elements} elements, ${settings.tree.todos} todos, ${settings.connections} connections, ${tree.result.seconds} s`,
        unit: 'req/s',
        baseline: bare.sample.requestsPerSecond,
        baselineName: 'bare, same bytes',
        measured: tree.result.requestsPerSecond,
        target: { on: 'ratio', op: '>=', value: 0.3 },
        notes: problems(tree.result),
        details: { sample: tree.result, baseline: bare.sample, bytes: bare.bytes, seedSeconds: seeded.seconds },
      }),
      loopDelayRow(context, 'the element tree', tree.loop, bare.loop),
    ];
  },
};
