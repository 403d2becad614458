/**
 * What an agent can tell us about its checkout, read without touching the server's
 * disk: over HTTP the server never reads the agent's filesystem (DECISIONS.md "MCP"),
 * so these take the listing and manifests the agent sends.
 */

const MODULE_DIRECTORIES = ['api', 'routes', 'controllers', 'services', 'models', 'components', 'pages', 'hooks', 'stores', 'utils', 'types', 'schemas', 'constants'];

export interface CodebaseFacts {
  topLevelEntries: string[];
  packageJson?: string | undefined;
  requirementsTxt?: string | undefined;
  pyprojectToml?: string | undefined;
}

/** The tech stack (node, react, vue, python, fastapi) and which usual module folders exist. */
export function analyzeCodebase(facts: CodebaseFacts): { tech_stack: string[]; suggestions: { modules: string[] } } {
  const stack = new Set<string>();
  if (facts.packageJson !== undefined) {
    stack.add('node');
    const dependencies = packageDependencies(facts.packageJson);
    if (dependencies.has('react')) stack.add('react');
    if (dependencies.has('vue')) stack.add('vue');
  }
  const python = [facts.requirementsTxt, facts.pyprojectToml].filter((text): text is string => text !== undefined);
  if (python.length > 0) {
    stack.add('python');
    if (python.some((text) => /(^|[^a-z0-9_-])fastapi([^a-z0-9_-]|$)/im.test(text))) stack.add('fastapi');
  }
  const directories = new Set(facts.topLevelEntries.map((entry) => entry.replace(/\/+$/, '').toLowerCase()));
  return { tech_stack: [...stack], suggestions: { modules: MODULE_DIRECTORIES.filter((name) => directories.has(name)) } };
}

function packageDependencies(packageJson: string): Set<string> {
  try {
    const parsed = JSON.parse(packageJson) as Record<string, unknown>;
    const names = ['dependencies', 'devDependencies', 'peerDependencies'].flatMap((field) =>
      typeof parsed[field] === 'object' && parsed[field] !== null ? Object.keys(parsed[field] as object) : [],
    );
    return new Set(names);
  } catch {
    return new Set();
  }
}

const DEFAULT_IGNORED = ['node_modules', '.git', '__pycache__', 'venv', '.venv', 'dist', 'build', '.idea', '.vscode', '.cursor', 'coverage'];

/**
 * The directories worth an element, parents before children: relative paths cut to
 * `maxDepth` levels, without hidden folders or any segment matching an ignore pattern.
 */
export function directoriesToImport(paths: string[], maxDepth: number, ignorePatterns: string[] = DEFAULT_IGNORED): string[] {
  const kept = new Set<string>();
  for (const raw of paths) {
    const segments = raw.split('/').map((segment) => segment.trim()).filter((segment) => segment && segment !== '.');
    if (segments.some((segment) => segment === '..' || segment.startsWith('.') || ignorePatterns.some((pattern) => segment.includes(pattern)))) continue;
    for (let depth = 1; depth <= Math.min(segments.length, maxDepth); depth += 1) kept.add(segments.slice(0, depth).join('/'));
  }
  return [...kept].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}

/** `user-settings` → `User Settings`. */
export function titleFromDirectory(path: string): string {
  const name = path.split('/').pop() ?? path;
  return name
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join(' ');
}
