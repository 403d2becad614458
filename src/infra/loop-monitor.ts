import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from './metrics.js';

/**
 * Samples event-loop delay every second and warns when it exceeds `warnMs`: the
 * symptom the old server had, made visible in logs and metrics from day one.
 */
export function startLoopMonitor(metrics: Metrics, log: FastifyBaseLogger, warnMs: number): () => void {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const timer = setInterval(() => {
    const maxMs = histogram.max / 1e6;
    metrics.loopMaxDelay.set(maxMs / 1000);
    if (warnMs > 0 && maxMs > warnMs) {
      metrics.loopBlocks.inc();
      log.warn({ maxDelayMs: Math.round(maxMs) }, 'event loop was blocked');
    }
    histogram.reset();
  }, 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    histogram.disable();
  };
}
