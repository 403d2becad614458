import { describe, expect, it } from 'vitest';
import { ALL_TOOLS } from '../../src/mcp/tools/index.js';
import { RULES_FILE_PATH, type RulesProject, generateCursorRules, rulesLanguage } from '../../src/mcp/rules-generator.js';

const project: RulesProject = {
  id: '6b0f6a43-2d7c-4c8f-9d0e-0a7c3b1e2f11',
  name: 'Shop',
  description: 'An online shop',
  status: 'active',
  tags: ['Docker', 'mcp'],
  technologyTags: ['react'],
  githubRepoUrl: 'https://github.com/acme/shop',
  cursorInstructions: 'Use pnpm.',
  updatedAt: new Date('2026-01-02T03:04:05.000Z'),
};
const generatedAt = new Date('2026-11-27T10:00:00.000Z');

describe('cursor rules generator', () => {
  it('writes the front matter, project information and the stored instructions', () => {
    const rules = generateCursorRules(project, { generatedAt });
    expect(rules.startsWith('---\nname: intracker-project-rules\ndescription: Cursor AI instructions for Shop\nversion: 2026-11-27T10:00:00.000Z\n---\n')).toBe(true);
    expect(rules).toContain('# Cursor Rules for Shop');
    expect(rules).toContain(`- ID: \`${project.id}\``);
    expect(rules).toContain('- GitHub: https://github.com/acme/shop');
    expect(rules).toContain('Use pnpm.');
    expect(rules).toContain('Last updated: 2026-01-02T03:04:05.000Z');
    expect(RULES_FILE_PATH).toBe('.cursor/rules/intracker-project-rules.mdc');
  });

  it('states the real todo and feature workflows, never a tested todo', () => {
    const rules = generateCursorRules(project, { generatedAt });
    expect(rules).toContain('`new` → `in_progress` → `done`. One step at a time');
    expect(rules).toContain('`new` → `in_progress` → `done` → `tested` → `merged`');
    expect(rules).toContain('There is no `tested` status for todos');
    expect(rules).not.toMatch(/in_progress`? → `?tested`? → `?done/);
    expect(rules).toContain('expectedVersion');
  });

  it('names only tools the server registers', () => {
    const known = new Set(ALL_TOOLS.map((tool) => tool.name));
    for (const language of ['en', 'hu'] as const) {
      const named = new Set(generateCursorRules(project, { generatedAt, language }).match(/\bmcp_[a-z_]+/g));
      const unknown = [...named].filter((name) => !known.has(name));
      expect(unknown, `unknown tools in the ${language} rules`).toEqual([]);
    }
    const rules = generateCursorRules(project, { generatedAt });
    for (const removed of ['mcp_get_feature_branches', 'mcp_get_branch_status', 'mcp_parse_file_structure', 'mcp_analyze_codebase']) {
      expect(rules).not.toContain(removed);
    }
  });

  it('adds the git, docker, mcp, frontend and GitHub sections only when the project calls for them', () => {
    const full = generateCursorRules(project, { generatedAt });
    for (const heading of ['### Git Workflow', '### Docker', '### MCP Server', '### Frontend', '### GitHub']) expect(full).toContain(heading);
    const bare = generateCursorRules({ ...project, tags: [], technologyTags: [], githubRepoUrl: null, cursorInstructions: null }, { generatedAt });
    for (const heading of ['### Git Workflow', '### Docker', '### MCP Server', '### Frontend', '### GitHub']) expect(bare).not.toContain(heading);
    expect(bare).toContain('- GitHub: Not connected');
    expect(bare).toContain('- Technology Tags: None');
    expect(bare).toContain('No project-specific instructions yet.');
    for (const heading of ['### Core Workflow', '### InTracker Integration', '### User Interaction']) expect(bare).toContain(heading);
  });

  it('writes Hungarian for a Hungarian team, with the same workflows', () => {
    const rules = generateCursorRules(project, { generatedAt, language: 'hu' });
    expect(rules).toContain('## Projekt információk');
    expect(rules).toContain('Todónak nincs `tested` státusza');
    expect(rules).toContain('`new` → `in_progress` → `done` → `tested` → `merged`');
    expect(rules).toContain('magyarul');
    expect(rulesLanguage('hu')).toBe('hu');
    expect(rulesLanguage(null)).toBe('en');
    expect(rulesLanguage('de')).toBe('en');
  });

  it('prefers custom instructions and keeps a multi-line name out of the front matter', () => {
    const rules = generateCursorRules({ ...project, name: 'Two\nLines' }, { generatedAt, customInstructions: 'Only this.' });
    expect(rules).toContain('description: Cursor AI instructions for Two Lines\n');
    expect(rules).toContain('Only this.');
    expect(rules).not.toContain('Use pnpm.');
  });

  it('is deterministic for the same input', () => {
    expect(generateCursorRules(project, { generatedAt })).toBe(generateCursorRules(project, { generatedAt }));
  });
});
