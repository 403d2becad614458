import { type Context, type Scenario, withLoopDelay } from '../lib/context.js';
import { type LoadSample, problems, warmThenLoad } from '../lib/load.js';
import type { LoopDelay } from '../lib/loop-probe.js';
import { finish } from '../lib/report.js';

export interface BareSample {
  sample: LoadSample;
  loop: LoopDelay;
  bytes: number;
}

/** A 1 KB JSON document, the size of a typical single-resource answer. */
export function oneKilobyteDocument(): string {
  const shape = { id: '6f1c2a4e-0000-4000-8000-000000000000', name: 'bare', status: 'ok', padding: '' };
  shape.padding = 'x'.repeat(1024 - JSON.stringify(shape).length);
  return JSON.stringify(shape);
}

/** The bare server's req/s and loop delay for `body` under the scenarios' load. */
export async function measureBare(context: Context, body: string): Promise<BareSample> {
  const bare = await context.bare(body);
  const { settings } = context;
  const { result: sample, loop } = await withLoopDelay(bare, () =>
    warmThenLoad({ url: `${bare.url}/` }, { connections: settings.connections, seconds: settings.sampleSeconds, warmupSeconds: settings.warmupSeconds }),
  );
  await bare.stop();
  return { sample, loop, bytes: Buffer.byteLength(body) };
}

/** Measured once per stack; the cached-read scenarios divide by it. */
export const bareOneKilobyte = (context: Context) => context.once('bare-1k', () => measureBare(context, oneKilobyteDocument()));

export const baseline: Scenario = {
  name: 'baseline',
  async run(context) {
    const bare = await bareOneKilobyte(context);
    return [
      finish(context.stack.name, {
        scenario: '1 baseline',
        name: 'bare node:http, 1 KB JSON',
        settings: `${bare.sample.connections} connections, ${bare.sample.seconds} s`,
        unit: 'req/s',
        baseline: null,
        baselineName: null,
        measured: bare.sample.requestsPerSecond,
        target: null,
        notes: problems(bare.sample),
        details: { sample: bare.sample, loopDelay: bare.loop },
      }),
    ];
  },
};
