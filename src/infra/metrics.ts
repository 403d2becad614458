import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DatabaseObserver } from '../db/instrument.js';

/**
 * One registry per app instance (never prom-client's global one), so two apps in one
 * process, as in the tests, keep separate numbers.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    loopBlocks: new Counter({
      name: 'event_loop_block_warnings_total',
      help: 'Times the event loop was seen blocked for longer than LOOP_BLOCK_WARN_MS',
      registers: [registry],
    }),
    cacheHits: new Counter({
      name: 'cache_hits_total',
      help: 'Cache lookups answered from the cache',
      registers: [registry],
    }),
    cacheMisses: new Counter({
      name: 'cache_misses_total',
      help: 'Cache lookups that went to the database',
      registers: [registry],
    }),
    cacheErrors: new Counter({
      name: 'cache_errors_total',
      help: 'Redis cache commands that failed or timed out',
      registers: [registry],
    }),
    cacheRedisFallbacks: new Counter({
      name: 'cache_redis_fallbacks_total',
      help: 'Cache calls answered without Redis (unreachable or too slow): the database answered',
      registers: [registry],
    }),
    loopMaxDelay: new Gauge({
      name: 'event_loop_max_delay_seconds',
      help: 'Longest event-loop delay seen in the last sampling second',
      registers: [registry],
    }),
    db: createDatabaseMetrics(registry),
    ...realtimeMetrics(registry),
    ...mcpMetrics(registry),
    jobs: jobsMetrics(registry),
  };
}

type JobCountsSource = () => Promise<Record<'queued' | 'active' | 'failed', number>>;

/**
 * The job queue: how many jobs wait, run and sit in the dead-letter list (read from the
 * queue at scrape time, so every instance reports the shared queue), and what this
 * process's consumer did with them.
 */
function jobsMetrics(registry: Registry) {
  let source: JobCountsSource | undefined;
  // Kept by the registry, which calls its collect() at every scrape.
  new Gauge({
    name: 'jobs_in_queue',
    help: 'Jobs in the queue by state: queued (waiting or backing off), active, dead_lettered',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      if (!source) return;
      // A queue that cannot answer (Redis down) must not fail the whole scrape.
      const counts = await source().catch(() => undefined);
      if (!counts) return;
      this.set({ state: 'queued' }, counts.queued);
      this.set({ state: 'active' }, counts.active);
      this.set({ state: 'dead_lettered' }, counts.failed);
    },
  });
  const runs = new Counter({
    name: 'jobs_runs_total',
    help: 'Job tries this process ran, by job type and outcome (completed, retry = failed and will be tried again, dead_lettered)',
    labelNames: ['name', 'outcome'] as const,
    registers: [registry],
  });
  const started = new Counter({
    name: 'jobs_started_total',
    help: 'Job tries this process started, by job type',
    labelNames: ['name'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'job_duration_seconds',
    help: 'How long job tries took in this process, by job type and outcome',
    labelNames: ['name', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return {
    /** Where `jobs_in_queue` reads its numbers from (the Jobs instance, once it exists). */
    countFrom(counts: JobCountsSource) {
      source = counts;
    },
    observer: {
      started: (name: string) => started.inc({ name }),
      settled: (name: string, seconds: number, outcome: 'completed' | 'retry' | 'dead_lettered') => {
        runs.inc({ name, outcome });
        duration.observe({ name, outcome }, seconds);
      },
    },
  };
}

/** How an MCP tool call ended: answered, failed (a rule, a refusal or a server fault), or refused its arguments. */
export type McpToolOutcome = 'ok' | 'error' | 'invalid_input';

/** MCP tool calls (src/mcp/server.ts), labelled by tool name: a fixed set, never caller input. */
function mcpMetrics(registry: Registry) {
  return {
    mcpToolCalls: new Counter({
      name: 'mcp_tool_calls_total',
      help: 'MCP tool calls by tool and outcome (ok, error, invalid_input)',
      labelNames: ['tool', 'outcome'] as const,
      registers: [registry],
    }),
    mcpToolDuration: new Histogram({
      name: 'mcp_tool_call_duration_seconds',
      help: 'Time MCP tool handlers took, by tool and outcome (calls refused before the handler ran are not timed)',
      labelNames: ['tool', 'outcome'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}

// ---- Database (both stacks: the embedded worker and PostgreSQL speak through the same postgres.js pool) ----

function createDatabaseMetrics(registry: Registry) {
  const queryDuration = new Histogram({
    name: 'db_query_duration_seconds',
    help: 'SQL statement duration as the app sees it (sent to settled), by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const poolSize = new Gauge({ name: 'db_pool_size', help: 'Connections the database pool may open', registers: [registry] });
  const queriesInFlight = new Gauge({
    name: 'db_queries_in_flight',
    help: 'Statements sent and not yet answered (postgres.js pipelines, so this may exceed the pool size)',
    registers: [registry],
  });
  const transactionsOpen = new Gauge({
    name: 'db_pool_connections_in_transaction',
    help: 'Pool connections reserved by an open transaction',
    registers: [registry],
  });
  const observer: DatabaseObserver = {
    poolCreated: (size) => poolSize.set(size),
    querySettled: (seconds, outcome) => queryDuration.observe({ outcome }, seconds),
    queriesInFlight: (delta) => queriesInFlight.inc(delta),
    transactionsOpen: (delta) => transactionsOpen.inc(delta),
  };
  return { queryDuration, poolSize, queriesInFlight, transactionsOpen, observer };
}

export type Metrics = ReturnType<typeof createMetrics>;

// ---------------------------------------------------------------------------------
// Live board (SignalR hub, src/realtime): kept apart so the hub's metrics change in one place.

/** The kinds of hub records counted in and out; `other` is anything the hub ignores. */
export const SIGNALR_MESSAGE_TYPES = ['handshake', 'invocation', 'completion', 'ping', 'close', 'other'] as const;
export type SignalRMessageType = (typeof SIGNALR_MESSAGE_TYPES)[number];

function realtimeMetrics(registry: Registry) {
  return {
    signalrConnections: new Gauge({
      name: 'signalr_connections',
      help: 'Open SignalR hub connections on this instance (handshake completed)',
      registers: [registry],
    }),
    signalrMessagesReceived: new Counter({
      name: 'signalr_messages_received_total',
      help: 'Hub protocol records received from clients, by message type',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    signalrMessagesSent: new Counter({
      name: 'signalr_messages_sent_total',
      help: 'Hub protocol records sent to clients, by message type',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    signalrFanOutDuration: new Histogram({
      name: 'signalr_fanout_duration_seconds',
      help: 'From a group message being queued until the last of its sockets was handed its frame',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    signalrBackpressureDrops: new Counter({
      name: 'signalr_backpressure_drops_total',
      help: 'Sockets dropped because their unsent bytes passed the limit (a client that does not read)',
      registers: [registry],
    }),
  };
}
