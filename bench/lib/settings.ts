export type Preset = 'tiny' | 'quick' | 'full';

export interface Settings {
  preset: Preset;
  /** autocannon seconds per measured sample, and the warm-up before it. */
  sampleSeconds: number;
  warmupSeconds: number;
  connections: number;
  tree: { elements: number; todos: number };
  writes: { agents: number; raceAgents: number; raceTodos: number };
  upstream: { delayMs: number; requests: number; logins: number; healthConnections: number; healthRate: number };
  fanout: { clients: number; rounds: number };
  /** `dist`: build, then `node dist/main.js serve` as `npm start` does; `src`: through tsx (the test's shortcut). */
  serverCommand: 'dist' | 'src';
  /** Every scenario is cut off after this many seconds (the fan-out and start scenarios after `slowScenarioSeconds`). */
  scenarioSeconds: number;
  slowScenarioSeconds: number;
}

const QUICK: Settings = {
  preset: 'quick',
  sampleSeconds: 3,
  warmupSeconds: 1,
  connections: 50,
  tree: { elements: 200, todos: 1000 },
  writes: { agents: 32, raceAgents: 32, raceTodos: 8 },
  upstream: { delayMs: 500, requests: 200, logins: 50, healthConnections: 10, healthRate: 200 },
  fanout: { clients: 1000, rounds: 3 },
  serverCommand: 'dist',
  scenarioSeconds: 180,
  slowScenarioSeconds: 300,
};

export const PRESETS: Record<Preset, Settings> = {
  quick: QUICK,
  full: { ...QUICK, preset: 'full', sampleSeconds: 10, warmupSeconds: 2, fanout: { clients: 10_000, rounds: 3 }, scenarioSeconds: 600, slowScenarioSeconds: 1200 },
  // Proves every scenario runs end to end in seconds; its numbers mean nothing.
  tiny: {
    ...QUICK,
    preset: 'tiny',
    sampleSeconds: 1,
    warmupSeconds: 0,
    connections: 4,
    tree: { elements: 6, todos: 12 },
    writes: { agents: 4, raceAgents: 4, raceTodos: 2 },
    upstream: { delayMs: 100, requests: 4, logins: 2, healthConnections: 2, healthRate: 20 },
    fanout: { clients: 5, rounds: 1 },
    serverCommand: 'src',
    scenarioSeconds: 90,
    slowScenarioSeconds: 120,
  },
};

export function describeSettings(settings: Settings): string {
  return [
    `${settings.preset}: ${settings.sampleSeconds} s per sample after ${settings.warmupSeconds} s warm-up`,
    `${settings.connections} connections`,
    `tree ${settings.tree.elements} elements / ${settings.tree.todos} todos`,
    `${settings.writes.agents} writers, ${settings.writes.raceAgents} racing on ${settings.writes.raceTodos} todos`,
    `${settings.upstream.requests} GitHub-bound waits (${settings.upstream.delayMs} ms) + ${settings.upstream.logins} logins`,
    `fan-out ${settings.fanout.clients} clients`,
  ].join('; ');
}
