import { Type } from '@sinclair/typebox';
import type { ImportRunView } from '../../domain/github/import-jobs.js';
import { Nullable, OptionalBody, StringEnum, Timestamp, Uuid } from './common.js';

const ItemState = StringEnum(['open', 'closed', 'all'] as const, { description: 'default open' });

export const ImportProjectParams = Type.Object({ pid: Uuid });

export const IssueImportBody = OptionalBody(
  Type.Object({
    labels: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 20, description: 'only issues with every one of these labels' }),
    ),
    state: Type.Optional(ItemState),
    create_elements: Type.Optional(Type.Boolean({ description: 'create a root module "GitHub Issues" when the project has none (default true)' })),
    createElements: Type.Optional(Type.Boolean({ description: 'the MCP tool\'s spelling of create_elements' })),
  }),
);

export const MilestoneImportBody = OptionalBody(Type.Object({ state: Type.Optional(ItemState) }));

export const ImportQueued = Type.Object({
  job_id: Type.String(),
  status: Type.Literal('queued'),
  /** Where the caller follows the job. */
  task_url: Type.String(),
});

export const TaskParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const Task = Type.Object({
  task: Type.Object({
    id: Type.String(),
    type: Type.String(),
    data: Type.Object({ user_id: Type.String(), project_id: Type.String(), kind: Type.String(), options: Type.Unknown() }),
    status: StringEnum(['queued', 'running', 'completed', 'failed'] as const),
    retry_count: Type.Integer({ description: 'tries made so far' }),
    max_retries: Type.Integer(),
    error: Nullable(Type.String()),
    created_at: Timestamp,
    updated_at: Timestamp,
    finished_at: Nullable(Timestamp),
  }),
  result: Nullable(Type.Object({}, { additionalProperties: true, description: 'the import result once completed' })),
});

export function presentTask(run: ImportRunView) {
  return {
    task: {
      id: run.jobId,
      type: 'github.import',
      data: { user_id: run.userId, project_id: run.projectId, kind: run.kind, options: run.options },
      status: run.status as 'queued' | 'running' | 'completed' | 'failed',
      retry_count: run.attempts,
      max_retries: run.maxAttempts,
      error: run.error,
      created_at: run.createdAt,
      updated_at: run.updatedAt,
      finished_at: run.finishedAt,
    },
    result: (run.result ?? null) as Record<string, unknown> | null,
  };
}
