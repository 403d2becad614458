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
