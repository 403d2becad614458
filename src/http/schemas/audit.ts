import { type Static, Type } from '@sinclair/typebox';
import type { AuditActor, EntityAudit, UserAuthorship } from '../../domain/audit/service.js';
import { Nullable, Timestamp, Uuid } from './common.js';

const AnyJson = Type.Unknown({ description: 'The entity as it was (before) or became (after); null when not applicable' });

/** `full_name` repeats `name`: the reference named the field so, and nothing should break on either. */
export const AuditActorShape = Type.Object({ id: Uuid, email: Type.String(), name: Nullable(Type.String()), full_name: Nullable(Type.String()) });

export const EntityAuditParams = Type.Object({
  type: Type.String({ description: 'project | feature | todo | element | document | session | idea (else 400)' }),
  id: Uuid,
});

export const EntityAuditQuery = Type.Object({
  history_limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'The newest this many history entries' })),
});

export const EntityAuditResponse = Type.Object({
  entity_type: Type.String(),
  entity_id: Uuid,
  created_by: Nullable(AuditActorShape),
  updated_by: Nullable(AuditActorShape),
  created_at: Nullable(Timestamp),
  updated_at: Nullable(Timestamp),
  history: Type.Array(
    Type.Object({ action: Type.String(), actor: Nullable(AuditActorShape), at: Timestamp, before: AnyJson, after: AnyJson }),
  ),
});

export const UserAuditParams = Type.Object({ uid: Uuid });

export const UserAuditQuery = Type.Object({
  entity_type: Type.Optional(Type.String({ description: 'Only this entity type (same values as the entity route; else 400)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
});

function authorshipResponse(dateField: 'created_at' | 'updated_at') {
  return Type.Object({
    user_id: Uuid,
    user_email: Type.String(),
    user_full_name: Nullable(Type.String()),
    total: Type.Integer(),
    entities: Type.Array(
      Type.Object({ entity_type: Type.String(), entity_id: Uuid, [dateField]: Timestamp, name: Nullable(Type.String()) }),
    ),
  });
}

export const CreatedByUserResponse = authorshipResponse('created_at');
export const UpdatedByUserResponse = authorshipResponse('updated_at');

function presentActor(actor: AuditActor | null): Static<typeof AuditActorShape> | null {
  return actor && { id: actor.id, email: actor.email, name: actor.name, full_name: actor.name };
}

/**
 * The activity log keeps rows as the domain wrote them (camelCase keys, older rows
 * included); the API is snake_case, so the keys are renamed on the way out, at every
 * depth. Values are left alone.
 */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [key.replace(/(?<=[a-z0-9])([A-Z])/g, (char: string) => `_${char.toLowerCase()}`), snakeKeys(field)]),
  );
}

export function presentEntityAudit(audit: EntityAudit): Static<typeof EntityAuditResponse> {
  return {
    entity_type: audit.entityType,
    entity_id: audit.entityId,
    created_by: presentActor(audit.createdBy),
    updated_by: presentActor(audit.updatedBy),
    created_at: audit.createdAt,
    updated_at: audit.updatedAt,
    history: audit.history.map((entry) => ({ ...entry, actor: presentActor(entry.actor), before: snakeKeys(entry.before), after: snakeKeys(entry.after) })),
  };
}

export function presentAuthorship(result: UserAuthorship, dateField: 'created_at' | 'updated_at') {
  return {
    user_id: result.user.id,
    user_email: result.user.email,
    user_full_name: result.user.name,
    total: result.total,
    entities: result.entities.map((entity) => ({ entity_type: entity.entityType, entity_id: entity.entityId, [dateField]: entity.at, name: entity.name })),
  };
}
