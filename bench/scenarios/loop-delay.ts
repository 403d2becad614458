import type { Context } from '../lib/context.js';
import type { LoopDelay } from '../lib/loop-probe.js';
import { type Row, finish } from '../lib/report.js';

export const LOOP_DELAY_TARGET_MS = 20;

/**
 * Scenario 4 has no load of its own: it is the app's event-loop delay (read inside
 * the app process) while scenarios 2 and 3 load it, against the bare server's delay
 * under the same load.
 */
export function loopDelayRow(context: Context, during: string, app: LoopDelay, bare: LoopDelay): Row {
  return finish(context.stack.name, {
    scenario: '4 event-loop delay',
    name: `p99 during ${during}`,
    settings: `${context.settings.connections} connections, monitorEventLoopDelay in the server process`,
    unit: 'ms',
    baseline: bare.p99Ms,
    baselineName: 'bare server, same load',
    measured: app.p99Ms,
    target: { on: 'measured', op: '<=', value: LOOP_DELAY_TARGET_MS },
    details: { app, bare },
  });
}
