import type { TSchema } from '@sinclair/typebox';
import { z } from 'zod';
import { TEAM_LANGUAGES } from '../../domain/enums.js';
import { Document } from '../../http/schemas/document.js';
import { Feature } from '../../http/schemas/feature.js';
import { Project } from '../../http/schemas/project.js';
import { Team, TeamMember } from '../../http/schemas/team.js';
import { Todo } from '../../http/schemas/todo.js';
import { AGENT_LEFT_OUT } from './present.js';

/**
 * The `outputSchema`s tools declare. An entity's is made from its REST response
 * schema, so the two cannot drift apart: a field is required only where REST always
 * sends a value (not nullable, not a list that may be empty and so left out). Each
 * names the fields an agent acts on; the objects accept the others (every schema
 * rides in `tools/list`, whose core profile has a size budget: docs/mcp.md §3).
 */

interface JsonSchemaNode {
  type?: string;
  enum?: string[];
  nullable?: boolean;
  items?: JsonSchemaNode;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
}

/** The subset of JSON Schema our TypeBox response schemas use, as zod; objects accept more fields. */
function zodOf(node: JsonSchemaNode): z.ZodType {
  if (node.enum) return z.enum(node.enum as [string, ...string[]]);
  switch (node.type) {
    case 'string':
      return z.string();
    case 'integer':
      return z.number(); // no .int(): its ±2^53 bounds would double every integer's schema in tools/list
    case 'number':
      return z.number();
    case 'boolean':
      return z.boolean();
    case 'array':
      return z.array(node.items ? zodOf(node.items) : z.unknown());
    case 'object':
      return objectOf(node, () => true);
    default:
      return z.unknown();
  }
}

function objectOf(node: JsonSchemaNode, declared: (field: string) => boolean): z.ZodObject {
  const required = new Set(node.required ?? []);
  const shape: Record<string, z.ZodType> = {};
  for (const [field, child] of Object.entries(node.properties ?? {})) {
    if (!declared(field)) continue;
    const schema = zodOf(child);
    const always = required.has(field) && !child.nullable && child.type !== 'array';
    shape[field] = always ? schema : schema.optional();
  }
  return z.looseObject(shape);
}

/** An entity as tools answer it: `fields` of its REST response schema (never one `forAgent` leaves out). */
function agentEntity(schema: TSchema, fields: readonly string[]): z.ZodObject {
  return objectOf(schema as JsonSchemaNode, (field) => fields.includes(field) && !AGENT_LEFT_OUT.has(field));
}

export const AgentTodo = agentEntity(Todo, [
  'id',
  'project_id',
  'element_id',
  'feature_id',
  'title',
  'status',
  'priority',
  'version',
  'assigned_to',
  'claimed_by',
  'claim_expires_at',
  'blocked_by',
]);
export const AgentFeature = agentEntity(Feature, ['id', 'project_id', 'name', 'status', 'progress_percentage', 'total_todos', 'completed_todos']);
export const AgentProject = agentEntity(Project, ['id', 'team_id', 'name', 'status', 'github_repo_url']);

/** A document without its body: what listings and writes answer (never `content`). */
export const AgentDocumentSummary = agentEntity(Document, ['id', 'project_id', 'element_id', 'feature_id', 'type', 'title', 'tags', 'version', 'updated_at']);
/** A document read in full. */
export const AgentDocument = AgentDocumentSummary.extend({ content: z.string() });
export const AgentTeam = agentEntity(Team, ['id', 'name', 'description', 'language']).extend({ language: z.enum(TEAM_LANGUAGES) });
/** A member as the team tools show it: REST's fields plus the reference's `name` and `email` (docs/mcp.md). */
export const AgentMember = agentEntity(TeamMember, ['user_id', 'role', 'joined_at', 'user_name', 'user_email']).extend({
  name: z.string().optional(),
  email: z.string(),
});

/** Any JSON object: what a tool without a more precise declaration promises. */
export const ANY_OBJECT = z.looseObject({});
