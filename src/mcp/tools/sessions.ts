import { z } from 'zod';
import { buildResumeContext } from '../../domain/projects/resume-context.js';
import { type SessionRow, endSession, startSession, updateSession } from '../../domain/sessions/service.js';
import { presentSession as sharedSession } from '../../domain/sessions/presenter.js';
import { WORKFLOW_REMINDER } from '../../domain/sessions/rules.js';
import { forAgent } from './present.js';
import { idArg, projectIdFor, uuidArg } from './project-scope.js';
import { type ToolDefinition, defineTool } from './types.js';

/** Work sessions (reference/mcp.md §2.4): what an agent set out to do and what it finished. */

const idList = (what: string) => z.array(uuidArg()).max(500).describe(what);

const presentSession = (session: SessionRow) => forAgent(sharedSession(session));

export const sessionTools: ToolDefinition[] = [
  defineTool({
    name: 'mcp_start_session',
    description:
      'Start a work session with your goal. Returns its id (for mcp_update_session / mcp_end_session), the next todos (with versions) and the workflow reminder.',
    profile: 'core',
    inputSchema: {
      projectId: idArg('Project id; optional when the connection is bound to a project').optional(),
      goal: z.string().max(2000).optional().describe('What this session is meant to achieve'),
      featureIds: idList('Features this session works on').optional(),
    },
    outputSchema: z.object({
      id: z.string(),
      project_id: z.string(),
      goal: z.string().nullable(),
      feature_ids: z.array(z.string()),
      started_at: z.string(),
      workflow: z.object({
        next_todos: z.array(z.looseObject({ id: z.string(), version: z.number() })),
        blockers: z.number(),
        reminder: z.string(),
      }),
    }),
    annotations: { readOnlyHint: false, destructiveHint: false },
    async handler(ctx, args) {
      const session = await startSession(ctx, { projectId: projectIdFor(ctx, args.projectId), goal: args.goal, featureIds: args.featureIds });
      const resume = await buildResumeContext(ctx, session.projectId);
      return {
        id: session.id,
        project_id: session.projectId,
        goal: session.goal,
        feature_ids: session.featureIds,
        started_at: session.startedAt,
        workflow: {
          next_todos: resume.now.next_todos.map(({ id, title, status, version, priority, blocked }) => ({ id, title, status, version, priority, blocked })),
          blockers: resume.next_blockers.length,
          reminder: WORKFLOW_REMINDER,
        },
      };
    },
  }),
  defineTool({
    name: 'mcp_update_session',
    description:
      'Record progress on an open session. Each list given REPLACES the stored one: completedTodos (done todos), completedFeatures (done, tested or merged), updatedElements. Returns the session.',
    profile: 'core',
    inputSchema: {
      sessionId: idArg('Session id from mcp_start_session'),
      completedTodos: idList('Ids of todos finished in this session (status done)').optional(),
      completedFeatures: idList('Ids of features finished in this session (done, tested or merged)').optional(),
      updatedElements: idList('Ids of elements changed in this session').optional(),
      notes: z.string().max(20000).optional().describe('Free-form notes'),
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    async handler(ctx, args) {
      const session = await updateSession(ctx, args.sessionId, {
        todosCompleted: args.completedTodos,
        featuresCompleted: args.completedFeatures,
        elementsUpdated: args.updatedElements,
        notes: args.notes,
      });
      return presentSession(session);
    },
  }),
  defineTool({
    name: 'mcp_end_session',
    description:
      'End your session with a summary of what was done and what is left (generated if omitted); it becomes `last` in mcp_get_resume_context. Lists given replace the stored ones; without completedTodos, the todos you finished in the session are recorded.',
    profile: 'core',
    inputSchema: {
      sessionId: idArg('Session id from mcp_start_session'),
      summary: z.string().max(20000).optional().describe('What was done, what is left, what the next session should know'),
      completedTodos: idList('Ids of todos finished in this session (status done)').optional(),
      completedFeatures: idList('Ids of features finished in this session').optional(),
      updatedElements: idList('Ids of elements changed in this session').optional(),
    },
    outputSchema: z.object({ id: z.string(), project_id: z.string(), summary: z.string().nullable(), ended_at: z.string().nullable() }),
    annotations: { readOnlyHint: false, destructiveHint: false },
    async handler(ctx, args) {
      const session = await endSession(ctx, args.sessionId, {
        summary: args.summary,
        todosCompleted: args.completedTodos,
        featuresCompleted: args.completedFeatures,
        elementsUpdated: args.updatedElements,
      });
      return { id: session.id, project_id: session.projectId, summary: session.summary, ended_at: session.endedAt };
    },
  }),
];
