import { BENCH_ADMIN } from '../bench-app.js';
import { type Api, login } from './api.js';
import { type Child, childEnv, forkChild } from './ipc.js';
import type { LoopDelay } from './loop-probe.js';
import type { Row } from './report.js';
import type { Settings } from './settings.js';
import type { Stack } from './stack.js';

/** The OAuth app the fake GitHub knows (its defaults). */
const FAKE_GITHUB_CLIENT = { id: 'fake-client-id', secret: 'fake-client-secret' };

export interface AppServer {
  child: Child;
  api: Api;
  /** The fake GitHub the app's GitHub calls go to (bench/lib/github-fixture.ts); it answers at once until told otherwise. */
  github: Child;
}

/** What a scenario gets: its stack and settings, shared servers, and a place for clean-ups. */
export interface Context {
  stack: Stack;
  settings: Settings;
  /** The app in its own process, started on first use, shared by the HTTP scenarios of this stack. */
  app(): Promise<AppServer>;
  /** A bare node:http server (own process) answering `body`, stopped when the scenario ends. */
  bare(body: string): Promise<Child>;
  /** `compute()` once per stack: a measurement several scenarios compare against. */
  once<T>(key: string, compute: () => Promise<T>): Promise<T>;
  /** Runs `cleanup` when the scenario ends, whether it finished, threw or timed out. */
  defer(cleanup: () => Promise<void>): void;
  log(message: string): void;
}

export interface Scenario {
  name: string;
  /** A scenario that needs more than `scenarioSeconds` (fan-out, start-up). */
  slow?: boolean;
  run(context: Context): Promise<Row[]>;
}

/** Event-loop delay of `child` over the time `work` runs. */
export async function withLoopDelay<T>(child: Child, work: () => Promise<T>): Promise<{ result: T; loop: LoopDelay }> {
  await child.call('loop-reset');
  const result = await work();
  return { result, loop: await child.call<LoopDelay>('loop-read') };
}

/** The per-stack state behind `Context`; `endScenario` runs the deferred clean-ups. */
export class StackSession {
  private appServer: Promise<AppServer> | undefined;
  private cleanups: (() => Promise<void>)[] = [];
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(
    readonly stack: Stack,
    readonly settings: Settings,
  ) {}

  context(scenario: string): Context {
    return {
      stack: this.stack,
      settings: this.settings,
      app: () => (this.appServer ??= this.startApp()),
      bare: async (body) => {
        const child = await forkChild('fixture-server.ts', childEnv({}));
        this.cleanups.push(() => child.stop());
        await child.call('body', body);
        return child;
      },
      once: <T>(key: string, compute: () => Promise<T>) => {
        if (!this.memo.has(key)) {
          // A failed measurement is not remembered: the next scenario that needs it tries again.
          const measured = compute().catch((error: unknown) => {
            this.memo.delete(key);
            throw error;
          });
          this.memo.set(key, measured);
        }
        return this.memo.get(key) as Promise<T>;
      },
      defer: (cleanup) => this.cleanups.push(cleanup),
      log: (message) => console.log(`  [${this.stack.name}] ${scenario}: ${message}`),
    };
  }

  async endScenario(options: { failed: boolean }): Promise<void> {
    for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    // A scenario that failed may have left the app wedged: the next one starts afresh.
    if (options.failed) await this.stopApp();
  }

  async stopApp(): Promise<void> {
    const app = this.appServer;
    this.appServer = undefined;
    if (app) await app.then((server) => Promise.all([server.child.stop(), server.github.stop()]), () => undefined);
  }

  private async startApp(): Promise<AppServer> {
    const started = performance.now();
    const env = await this.stack.environment('app');
    // Every app talks to a fake GitHub of its own, so scenario 6 can load GitHub routes
    // on the shared app instead of starting another.
    const github = await forkChild('github-fixture.ts', childEnv({}));
    const child = await forkChild(
      'app-server.ts',
      childEnv({
        ...env,
        GITHUB_API_URL: github.url,
        GITHUB_OAUTH_URL: github.url,
        GITHUB_OAUTH_CLIENT_ID: FAKE_GITHUB_CLIENT.id,
        GITHUB_OAUTH_CLIENT_SECRET: FAKE_GITHUB_CLIENT.secret,
      }),
    ).catch(async (error: unknown) => {
      await github.stop();
      throw error;
    });
    const api = await login(child.url, BENCH_ADMIN);
    console.log(`  [${this.stack.name}] app server ready in ${((performance.now() - started) / 1000).toFixed(1)} s at ${child.url}`);
    return { child, api, github };
  }
}
