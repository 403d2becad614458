import { type Static, type TObject, type TSchema, Type } from '@sinclair/typebox';
import { UUID_SOURCE } from '../../domain/ids.js';
import { MAX_OFFSET, MAX_PAGE, type Page } from '../../domain/pagination.js';

/** The one id check (domain/ids.ts); Ajv's `uuid` format alone would also let `urn:uuid:…` through to the database. */
export const Uuid = Type.String({ format: 'uuid', pattern: UUID_SOURCE, description: 'UUID' });
/** Services hand over Date objects; the serializer writes them as ISO-8601 with `Z`. */
export const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
/**
 * `T` or null, as OpenAPI's `nullable` rather than a union: with type coercion on,
 * a union coerces across its branches (null-first turns 0 and "" into null,
 * string-first turns null into ""), while `nullable` keeps each value as sent.
 */
export const Nullable = <T extends TSchema>(schema: T) => Type.Unsafe<Static<T> | null>({ ...schema, nullable: true });

export const ErrorResponse = Type.Object(
  { detail: Type.Union([Type.String(), Type.Array(Type.Object({}, { additionalProperties: true }))]) },
  { $id: 'ErrorResponse', additionalProperties: true },
);

export const IdParams = Type.Object({ id: Uuid });

/**
 * Both pagination dialects; see domain/pagination.ts for which wins. `page` and
 * `skip` are bounded so the offset stays an exact integer PostgreSQL accepts (no
 * list here has anywhere near 100 million rows).
 */
export const PaginationQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: undefined })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  skip: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_OFFSET })),
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

/** A string limited to `values`: outside them, a 400 naming them (http/plugins/errors.ts). */
export const StringEnum = <const T extends readonly string[]>(values: T, options: { description?: string; default?: T[number] } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

/**
 * A body the client may leave out. Fastify validates a missing body as `null`, so
 * "no body" must be allowed explicitly (Type.Optional alone only changes the type).
 * `nullable` rather than a union keeps validation errors on the offending field.
 */
export const OptionalBody = <T extends TObject>(schema: T) =>
  Type.Unsafe<Static<T> | null | undefined>({ ...schema, nullable: true });

/**
 * Inputs the web client sends as query parameters and API clients as a JSON body:
 * the same all-optional fields, declared for both. Merge them with `mergeInput`.
 */
export function bodyOrQuery<T extends Record<string, TSchema>>(properties: T) {
  return { querystring: Type.Object(properties), body: OptionalBody(Type.Object(properties)) };
}

/** Query fields overlaid by the body's (the body wins), ignoring what either leaves out. */
export function mergeInput<T extends object>(query: Partial<T>, body: Partial<T> | null | undefined): Partial<T> {
  const result: Record<string, unknown> = { ...query };
  for (const [key, value] of Object.entries(body ?? {})) {
    if (value !== undefined) result[key] = value;
  }
  return result as Partial<T>;
}

/**
 * A field a `bodyOrQuery` input must carry in one of the two, which neither schema
 * can require; missing, it answers the same 422 a schema would.
 */
export function requireInput<T>(value: T | undefined, field: string): T {
  if (value !== undefined) return value;
  throw Object.assign(new Error(`${field} is required`), {
    statusCode: 422,
    validationContext: 'body',
    validation: [
      {
        keyword: 'required',
        instancePath: '',
        schemaPath: '#/required',
        params: { missingProperty: field },
        message: `must have required property '${field}'`,
      },
    ],
  });
}

/** `{<key>: [...], total, page, page_size}`, the answer of every list. */
export function pageBody<K extends string, Row, Item>(key: K, page: Page<Row>, present: (row: Row) => Item) {
  return { [key]: page.items.map(present), total: page.total, page: page.page, page_size: page.pageSize } as Record<K, Item[]> & {
    total: number;
    page: number;
    page_size: number;
  };
}
