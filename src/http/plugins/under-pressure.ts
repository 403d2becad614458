import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config.js';

/** Which limit a sample found passed, and the value it saw. */
export interface Pressure {
  type: string;
  value: number | undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * How a route answers under pressure instead of the app-wide 503: `'serve'` as
     * usual (metrics scrapes), or a 503 with its own body (`/health` keeps its shape).
     */
    underPressure?: 'serve' | ((pressure: Pressure) => object);
  }
}

const MB = 1024 * 1024;
const SAMPLE_INTERVAL_MS = 1000;

const REASON: Record<string, string> = {
  eventLoopDelay: 'event-loop delay',
  eventLoopUtilization: 'event-loop utilization',
  heapUsedBytes: 'heap in use',
};

/**
 * Load shedding: once a sample (every second) sees the event loop's mean delay, its
 * utilization or the heap past its limit, requests get 503 with `Retry-After` until a
 * later sample is back under it, so a struggling instance answers fast and a load
 * balancer can move traffic elsewhere instead of queueing it here.
 */
export default fp(
  async function loadShedding(app: FastifyInstance, opts: { config: Config }) {
    const limits = opts.config.pressure;
    const retryAfter = limits.retryAfterSeconds;
    // The samples around start-up measure the start-up itself (module loading, schema
    // compilation block the loop for a moment), not load: delay is not held against
    // the server until two full samples after it is ready.
    let loadMeasuredAfter = Number.POSITIVE_INFINITY;
    app.addHook('onReady', async () => {
      loadMeasuredAfter = performance.now() + 2 * SAMPLE_INTERVAL_MS;
    });

    await app.register(underPressure, {
      sampleInterval: SAMPLE_INTERVAL_MS,
      maxEventLoopDelay: limits.maxEventLoopDelayMs,
      maxEventLoopUtilization: limits.maxEventLoopUtilization,
      // Per sample, not since start: the cumulative default would lag minutes behind.
      eventLoopUtilizationMode: 'interval',
      maxHeapUsedBytes: (limits.maxHeapUsedMb ?? defaultHeapLimitMb()) * MB,
      retryAfter,
      // Returning without answering lets the request through.
      pressureHandler: (request: FastifyRequest, reply: FastifyReply, type: string, value: number | undefined) => {
        if (type !== 'heapUsedBytes' && performance.now() < loadMeasuredAfter) return;
        const answer = request.routeOptions.config.underPressure;
        if (answer === 'serve') return;
        void reply
          .code(503)
          .header('Retry-After', retryAfter)
          .send(
            answer
              ? answer({ type, value: value === undefined || type === 'eventLoopUtilization' ? value : Math.round(value) })
              : { detail: `The server is overloaded (${REASON[type] ?? type}); retry after ${retryAfter} s` },
          );
      },
    });
  },
  { name: 'load-shedding' },
);

/**
 * Near V8's own ceiling (`--max-old-space-size`) a process spends its time in GC
 * and then dies; shedding at 90 % of it gives it room to recover. A healthy server
 * uses a small fraction of the default limit, so this never trips under mere load.
 */
function defaultHeapLimitMb(): number {
  return Math.floor((getHeapStatistics().heap_size_limit * 0.9) / MB);
}
