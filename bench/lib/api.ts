/** The few REST calls the scenarios make outside the load generator. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Api {
  base: string;
  token: string;
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
}

const CALL_TIMEOUT_MS = 30_000;

export async function call<T>(base: string, method: string, path: string, token: string | undefined, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) throw new ApiError(response.status, `${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Logs in as `admin` and returns a client carrying the access token. */
export async function login(base: string, admin: { email: string; password: string }): Promise<Api> {
  const answer = await call<{ tokens: { access_token: string } }>(base, 'POST', '/auth/login', undefined, admin);
  const token = answer.tokens.access_token;
  return { base, token, call: (method, path, body) => call(base, method, path, token, body) };
}

/** Runs `tasks` with at most `concurrency` in flight; results in input order. */
export async function inParallel<T>(concurrency: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  return results;
}
