import AjvCompiler, { type ValidatorFactory } from '@fastify/ajv-compiler';
import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler';

type Validate = ReturnType<ReturnType<ValidatorFactory>>;
type Serialize = ReturnType<ReturnType<SerializerFactory>>;

/**
 * Fastify's own compilers (Ajv for validation, fast-json-stringify for responses)
 * with two changes that matter at start-up and at rest, not in what they produce:
 *
 * - One compiled function per distinct schema. Every route is mounted twice
 *   (unprefixed and under /v1) and most routes repeat the same error and entity
 *   schemas, so Fastify would compile ~1,000 serializers (each with its own Ajv
 *   instance) for about a tenth as many distinct schemas.
 * - Compiled on first use, not at `ready()`: compiling everything blocked start-up
 *   for seconds and kept code for routes a given deployment never serves. The first
 *   request of a schema pays its compilation once (a millisecond or two).
 *
 * Schemas are compared by their JSON text, which is all either compiler reads
 * (TypeBox's symbol keys are invisible to both).
 */
export function lazySchemaCompilers(): { buildValidator: ValidatorFactory; buildSerializer: SerializerFactory } {
  const buildAjv = AjvCompiler();
  const buildFastJsonStringify = SerializerSelector();
  return {
    buildValidator: (externalSchemas, options) => {
      const compile = buildAjv(externalSchemas, options);
      const bySchema = new Map<string, Validate>();
      return (route) => {
        const schema = route.httpPart === 'headers' ? (lowerCaseHeaderNames(route.schema) as typeof route.schema) : route.schema;
        const key = JSON.stringify(schema);
        let validate = bySchema.get(key);
        if (!validate) {
          validate = lazyValidator(() => compile({ ...route, schema }));
          bySchema.set(key, validate);
        }
        return validate;
      };
    },
    buildSerializer: (externalSchemas, options) => {
      const compile = buildFastJsonStringify(externalSchemas, options);
      const bySchema = new Map<string, Serialize>();
      return (route) => {
        const key = JSON.stringify(route.schema);
        let serialize = bySchema.get(key);
        if (!serialize) {
          let compiled: Serialize | undefined;
          serialize = (document) => (compiled ??= compile(route))(document);
          bySchema.set(key, serialize);
        }
        return serialize;
      };
    },
  };
}

/**
 * A validator compiled on its first call. Fastify reads `validate.errors` right
 * after a failed call, so the wrapper passes that property through.
 */
function lazyValidator(build: () => Validate): Validate {
  let compiled: Validate | undefined;
  const validate = ((data: unknown) => (compiled ??= build())(data)) as Validate;
  Object.defineProperty(validate, 'errors', {
    get: () => compiled?.errors ?? null,
    set: (errors: Validate['errors']) => {
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
