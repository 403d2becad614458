import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
}

/**
 * Event-loop delay of the process it runs in, over a window the runner opens
 * (`reset`) and closes (`read`). 10 ms resolution, as prom-client's default metrics
 * sample it, so the figure agrees with the app's own `/metrics`.
 */
export function loopProbe(): { reset(): void; read(): LoopDelay } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const ms = (ns: number) => +(ns / 1e6).toFixed(2);
  return {
    reset: () => histogram.reset(),
    read: () => ({
      p50Ms: ms(histogram.percentile(50)),
      p99Ms: ms(histogram.percentile(99)),
      maxMs: ms(histogram.max),
      samples: histogram.count,
    }),
  };
}
