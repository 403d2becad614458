import { type TSchema, Type } from '@sinclair/typebox';

export const Uuid = Type.String({ format: 'uuid', description: 'UUID' });
/** Services hand over Date objects; the serializer writes them as ISO-8601 with `Z`. */
export const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
/** `null` first: with type coercion on, `[string, null]` would turn a JSON null into "". */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([Type.Null(), schema]);

export const ErrorResponse = Type.Object(
  { detail: Type.Union([Type.String(), Type.Array(Type.Object({}, { additionalProperties: true }))]) },
  { $id: 'ErrorResponse', additionalProperties: true },
);

export const IdParams = Type.Object({ id: Uuid });

/** Both pagination dialects; see domain/pagination.ts for which wins. */
export const PaginationQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, default: undefined })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  skip: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});

export function paged<K extends string, T extends TSchema>(key: K, item: T) {
  return Type.Object({
    ...({ [key]: Type.Array(item) } as Record<K, ReturnType<typeof Type.Array<T>>>),
    total: Type.Integer(),
    page: Type.Integer(),
    page_size: Type.Integer(),
  });
}

/** The error statuses a route can answer, for its OpenAPI entry. */
export function errors(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, Type.Ref('ErrorResponse')]));
}

export const MessageResponse = Type.Object({ message: Type.String() }, { additionalProperties: true });
