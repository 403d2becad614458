/**
 * Every enum's allowed values. They are the domain's vocabulary, so they live here:
 * the database schema (CHECK constraints), the API schemas, the MCP tool schemas and
 * the validation messages that name the allowed values all import them from here.
 */

export const USER_ROLES = ['admin', 'team_leader', 'member'] as const;
export const TEAM_ROLES = ['team_leader', 'member'] as const;
export const TEAM_LANGUAGES = ['hu', 'en'] as const;
export const INVITATION_TYPES = ['admin', 'team'] as const;
export const PROJECT_STATUSES = ['active', 'paused', 'blocked', 'completed', 'archived'] as const;
export const ELEMENT_TYPES = [
  'module',
  'feature',
  'component',
  'milestone',
  'technical_block',
  'decision_point',
  'task',
] as const;
export const ELEMENT_STATUSES = ['new', 'in_progress', 'done', 'tested'] as const;
export const DEPENDENCY_TYPES = ['blocks', 'requires', 'related'] as const;
export const FEATURE_STATUSES = ['new', 'in_progress', 'done', 'tested', 'merged'] as const;
export const TODO_STATUSES = ['new', 'in_progress', 'done'] as const;
export const TODO_PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export const DOCUMENT_TYPES = [
  'architecture',
  'adr',
  'domain',
  'constraints',
  'runbook',
  'ai_instructions',
  'notes',
] as const;
export const IDEA_STATUSES = ['draft', 'active', 'archived'] as const;
export const BRANCH_STATUSES = ['active', 'merged', 'deleted'] as const;
export const MCP_TOOL_PROFILES = ['core', 'standard', 'all'] as const;
