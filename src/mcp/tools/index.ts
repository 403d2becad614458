import { documentTools } from './documents.js';
import { elementTools } from './elements.js';
import { featureTools } from './features.js';
import { codebaseTools } from './codebase.js';
import { githubTools } from './github.js';
import { githubImportTools } from './github-imports.js';
import { ideaTools } from './ideas.js';
import { projectTools } from './projects.js';
import { rulesTools } from './rules.js';
import { searchTools } from './search.js';
import { sessionTools } from './sessions.js';
import { teamTools } from './teams.js';
import { todoTools } from './todos.js';
import type { ToolDefinition } from './types.js';

/**
 * Every MCP tool the server knows, one group per file. A group file exports an array
 * of `defineTool(...)` declarations; add its import here and spread it below.
 */
export const ALL_TOOLS: readonly ToolDefinition[] = [
  ...projectTools,
  ...todoTools,
  ...featureTools,
  ...sessionTools,
  ...documentTools,
  ...elementTools,
  ...ideaTools,
  ...searchTools,
  ...rulesTools,
  ...teamTools,
  ...githubTools,
  ...githubImportTools,
  ...codebaseTools,
];
