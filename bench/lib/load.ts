import autocannon from 'autocannon';

export interface LoadTarget {
  url: string;
  method?: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  body?: string;
  /** Headers per connection, taken in turn (connection i gets entry i mod length): e.g. one user each. */
  connectionHeaders?: Record<string, string>[];
}

export interface LoadOptions {
  connections: number;
  seconds: number;
  /** Requests per second across all connections; unset: as fast as answers come. */
  overallRate?: number;
}

export interface LoadSample {
  /** Successful (2xx) answers per second: errors do not count as throughput. */
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  connections: number;
}

const REQUEST_TIMEOUT_S = 10;

/** One autocannon run; bounded by `seconds` (answers still pending then are dropped). */
export async function load(target: LoadTarget, options: LoadOptions): Promise<LoadSample> {
  const headers = { ...(target.body ? { 'content-type': 'application/json' } : {}), ...target.headers };
  const perConnection = target.connectionHeaders ?? [];
  let connection = 0;
  const result = await autocannon({
    url: target.url,
    method: target.method ?? 'GET',
    headers,
    ...(perConnection.length > 0
      ? { setupClient: (client: autocannon.Client) => client.setHeaders({ ...headers, ...perConnection[connection++ % perConnection.length] }) }
      : {}),
    ...(target.body ? { body: target.body } : {}),
    connections: options.connections,
    duration: options.seconds,
    timeout: REQUEST_TIMEOUT_S,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
  });
  return {
    requestsPerSecond: Math.round(result['2xx'] / Math.max(result.duration, 0.001)),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: +result.duration.toFixed(2),
    connections: options.connections,
  };
}

/** Warm the target (JIT, caches, pools) and then measure it. */
export async function warmThenLoad(target: LoadTarget, options: LoadOptions & { warmupSeconds: number }): Promise<LoadSample> {
  if (options.warmupSeconds > 0) await load(target, { ...options, seconds: options.warmupSeconds });
  return load(target, options);
}

/** Requests that got anything but a 2xx answer. */
export function failures(sample: LoadSample): number {
  return sample.non2xx + sample.errors;
}

/**
 * Why a sample's numbers cannot be taken at face value, for the report's notes:
 * failed requests, or no answer at all (then its percentiles are empty, not 0 ms).
 */
export function problems(sample: LoadSample, what = 'requests'): string[] {
  const notes: string[] = [];
  if (failures(sample) > 0) notes.push(`${failures(sample)} failed ${what}`);
  if (sample.ok === 0) notes.push(`no ${what} answered within the ${sample.seconds} s sample`);
  return notes;
}
