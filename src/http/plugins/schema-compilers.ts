import AjvCompiler, { type ValidatorFactory } from '@fastify/ajv-compiler';
import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler';
import { unsafeValueIssues } from './input-guard.js';

type Validate = ReturnType<ReturnType<ValidatorFactory>>;
type Serialize = ReturnType<ReturnType<SerializerFactory>>;

/**
 * Fastify's own compilers (Ajv for validation, fast-json-stringify for responses)
 * with three changes that matter at start-up and at rest, not in what they produce:
 *
 * - One compiled function per distinct schema. Every route is mounted twice
 *   (unprefixed and under /v1) and most routes repeat the same error and entity
 *   schemas, so Fastify would compile ~1,000 serializers (each with its own Ajv
 *   instance) for about a tenth as many distinct schemas. Fastify asks for a
 *   compiler per encapsulation context (dozens) with the same external schemas, so
 *   the memo is shared by every context that has the same ones.
 * - Compiled on first use, not at `ready()`: compiling everything blocked start-up
 *   for seconds and kept code for routes a given deployment never serves. The first
 *   request of a schema pays its compilation once (a millisecond or two).
 * - The Ajv instance itself is made by `warm()` (app.ts calls it once the server
 *   listens) or by the first validation, whichever comes first.
 *
 * Schemas are compared by their JSON text, which is all either compiler reads
 * (TypeBox's symbol keys are invisible to both).
 */
export function lazySchemaCompilers(): {
  buildValidator: ValidatorFactory;
  buildSerializer: SerializerFactory;
  warm(): void;
} {
  const buildAjv = AjvCompiler();
  const buildFastJsonStringify = SerializerSelector();
  const validatorScopes = new Map<string, { compiler: () => ReturnType<ValidatorFactory>; bySchema: Map<string, Validate> }>();
  const serializerScopes = new Map<string, { compiler: () => ReturnType<SerializerFactory>; bySchema: Map<string, Serialize> }>();
  return {
    buildValidator: (externalSchemas, options) => {
      const scopeKey = JSON.stringify([externalSchemas, options?.customOptions]);
      let scope = validatorScopes.get(scopeKey);
      if (!scope) {
        let compiler: ReturnType<ValidatorFactory> | undefined;
        scope = { compiler: () => (compiler ??= buildAjv(externalSchemas, options)), bySchema: new Map() };
        validatorScopes.set(scopeKey, scope);
      }
      const { compiler, bySchema } = scope;
      return (route) => {
        const schema = route.httpPart === 'headers' ? (lowerCaseHeaderNames(route.schema) as typeof route.schema) : route.schema;
        const key = JSON.stringify(schema);
        let validate = bySchema.get(key);
        if (!validate) {
          validate = lazyValidator(() => compiler()({ ...route, schema }));
          bySchema.set(key, validate);
        }
        return validate;
      };
    },
    buildSerializer: (externalSchemas, options) => {
      const scopeKey = JSON.stringify([externalSchemas, options]);
      let scope = serializerScopes.get(scopeKey);
      if (!scope) {
        let compiler: ReturnType<SerializerFactory> | undefined;
        scope = { compiler: () => (compiler ??= buildFastJsonStringify(externalSchemas, options)), bySchema: new Map() };
        serializerScopes.set(scopeKey, scope);
      }
      const { compiler, bySchema } = scope;
      return (route) => {
        const key = JSON.stringify(route.schema);
        let serialize = bySchema.get(key);
        if (!serialize) {
          let compiled: Serialize | undefined;
          serialize = (document) => (compiled ??= compiler()(route))(document);
          bySchema.set(key, serialize);
        }
        return serialize;
      };
    },
    warm: () => {
      for (const scope of validatorScopes.values()) scope.compiler();
    },
  };
}

/**
 * A validator compiled on its first call. Fastify reads `validate.errors` right
 * after a failed call, so the wrapper passes that property through. Data the schema
 * accepts is then checked for what no schema keyword refuses (input-guard.ts).
 */
function lazyValidator(build: () => Validate): Validate {
  let compiled: Validate | undefined;
  let guardErrors: Validate['errors'] = null;
  const validate = ((data: unknown) => {
    guardErrors = null;
    const valid = (compiled ??= build())(data);
    if (valid !== true) return valid;
    const issues = unsafeValueIssues(data);
    if (issues.length === 0) return true;
    guardErrors = issues as Validate['errors'];
    return false;
  }) as Validate;
  Object.defineProperty(validate, 'errors', {
    get: () => guardErrors ?? compiled?.errors ?? null,
    set: (errors: Validate['errors']) => {
      guardErrors = null;
      if (compiled) compiled.errors = errors;
    },
  });
  return validate;
}

/**
 * Fastify lowercases header schemas itself, but only for its built-in compiler (Node
 * hands every request's header names over in lowercase); a custom compiler, as this
 * is, gets them as written. Top-level names are what header schemas use.
 */
function lowerCaseHeaderNames(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null) return schema;
  const { properties, required, ...rest } = schema as { properties?: Record<string, unknown>; required?: unknown };
  return {
    ...rest,
    ...(properties && { properties: Object.fromEntries(Object.entries(properties).map(([name, value]) => [name.toLowerCase(), value])) }),
    ...(Array.isArray(required) && { required: required.map((name) => String(name).toLowerCase()) }),
  };
}
