import { z } from 'zod';
import { oneOf } from './one-of.js';
import { IDEA_STATUSES, PROJECT_STATUSES } from '../../domain/enums.js';
import { type IdeaRow, convertIdea, createIdea, getIdea, listIdeas, updateIdea } from '../../domain/ideas/service.js';
import { presentIdea as sharedIdea } from '../../domain/ideas/presenter.js';
import { getProject } from '../../domain/projects/service.js';
import { forAgent, presentProject } from './present.js';
import { idArg } from './project-scope.js';
import { type ToolDefinition, defineTool } from './types.js';

/** Team ideas (reference/mcp.md §2.7): draft → active → archived, convertible into a project. */

const tags = z.array(z.string().min(1).max(50)).max(50);
const LIST_LIMIT_MAX = 200;

const presentIdea = (idea: IdeaRow) => forAgent(sharedIdea(idea));

export const ideaTools: ToolDefinition[] = [
  defineTool({
    name: 'mcp_create_idea',
    description: 'Note an idea for a team (not yet a project). Any team member may. Returns the idea.',
    profile: 'standard',
    inputSchema: {
      teamId: idArg('Team the idea belongs to (see mcp_list_teams)'),
      title: z.string().min(1).max(255),
      description: z.string().max(20000).optional(),
      status: oneOf(IDEA_STATUSES).default('draft'),
      tags: tags.optional(),
    },
    annotations: { readOnlyHint: false, destructiveHint: false },
    async handler(ctx, args) {
      return presentIdea(await createIdea(ctx, args));
    },
  }),
  defineTool({
    name: 'mcp_list_ideas',
    description: 'The ideas of your teams (or one team), newest first, optionally by status. Returns {ideas:[…],count,total}.',
    profile: 'standard',
    inputSchema: {
      teamId: idArg('Only this team’s ideas').optional(),
      status: oneOf(IDEA_STATUSES).optional(),
      limit: z.number().int().min(1).max(LIST_LIMIT_MAX).default(100),
    },
    annotations: { readOnlyHint: true },
    async handler(ctx, args) {
      const page = await listIdeas(ctx, { teamId: args.teamId, status: args.status }, { page: 1, pageSize: args.limit, offset: 0 });
      return { ideas: page.items.map(presentIdea), count: page.items.length, total: page.total };
    },
  }),
  defineTool({
    name: 'mcp_get_idea',
    description: 'One idea, with the project it was converted into (if any).',
    profile: 'standard',
    inputSchema: { ideaId: idArg('Idea id') },
    annotations: { readOnlyHint: true },
    async handler(ctx, args) {
      const idea = await getIdea(ctx, args.ideaId);
      let convertedProject: { id: string; name: string; description: string | null; status: string } | null = null;
      if (idea.convertedToProjectId) {
        const project = await getProject(ctx, idea.convertedToProjectId).catch(() => undefined);
        if (project) convertedProject = { id: project.id, name: project.name, description: project.description, status: project.status };
      }
      return { ...presentIdea(idea), converted_project: convertedProject };
    },
  }),
  defineTool({
    name: 'mcp_update_idea',
    description: 'Change an idea’s title, description, status or tags (team leaders only; fields left out stay). Returns the idea.',
    profile: 'standard',
    inputSchema: {
      ideaId: idArg('Idea id'),
      title: z.string().min(1).max(255).optional(),
      description: z.string().max(20000).nullable().optional(),
      status: oneOf(IDEA_STATUSES).optional(),
      tags: tags.optional(),
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    async handler(ctx, args) {
      const { ideaId, ...changes } = args;
      return presentIdea(await updateIdea(ctx, ideaId, changes));
    },
  }),
  defineTool({
    name: 'mcp_convert_idea_to_project',
    description:
      'Turn an idea into a project of the idea’s team (team leaders only); name, description and tags default to the idea’s. Idempotent: an idea already converted answers its existing project. Archived ideas cannot be converted. Returns the project.',
    profile: 'standard',
    inputSchema: {
      ideaId: idArg('Idea id'),
      projectName: z.string().min(1).max(255).optional(),
      projectDescription: z.string().max(20000).optional(),
      projectStatus: oneOf(PROJECT_STATUSES).optional(),
      projectTags: tags.optional(),
      technologyTags: tags.optional(),
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    async handler(ctx, args) {
      const { ideaId, ...input } = args;
      const before = await getIdea(ctx, ideaId);
      const project = await convertIdea(ctx, ideaId, input);
      return {
        ...presentProject(project),
        idea_id: ideaId,
        message: before.convertedToProjectId ? 'Idea was already converted to this project' : 'Idea converted to a new project',
      };
    },
  }),
];
