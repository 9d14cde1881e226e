// The manifest's models (JSON Schema 2020-12 by name), compiled once with ajv into checks that the
// topic codecs run on every decoded value. Built at boot from the manifest's model schemas.

import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { ConfigError } from '../errors/index.js';
import type { CheckFailure } from './codec-errors.js';
import type { ValueCheck } from './codecs.js';

/** A JSON Schema as written in the manifest. */
export type JsonSchema = Readonly<Record<string, unknown>> | boolean;

/** The primitive types a topic or table may name instead of a model. */
export const PRIMITIVE_TYPE_NAMES = ['string', 'integer', 'number', 'boolean', 'bytes', 'json'] as const;
export type PrimitiveTypeName = (typeof PRIMITIVE_TYPE_NAMES)[number];

/** True when `name` is a primitive type rather than a model. */
export const isPrimitiveType = (name: string): name is PrimitiveTypeName => (PRIMITIVE_TYPE_NAMES as readonly string[]).includes(name);

/** ajv's words, with the detail its message leaves in `params` (which property, which values). */
function failureOf(error: ErrorObject): CheckFailure {
  const params = error.params as { additionalProperty?: unknown; allowedValues?: unknown; allowedValue?: unknown };
  let message = error.message ?? `fails "${error.keyword}"`;
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    message += ` ("${params.additionalProperty}")`;
  } else if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    message += `: ${params.allowedValues.map((value) => JSON.stringify(value)).join(', ')}`;
  } else if (error.keyword === 'const') {
    message += `: ${JSON.stringify(params.allowedValue)}`;
  }
  return { instancePath: error.instancePath, keyword: error.keyword, message };
}

/** Every error ajv found (allErrors), the first with the others under `more`. */
function failuresOf(errors: readonly ErrorObject[] | null | undefined): CheckFailure {
  const all = (errors ?? []).map(failureOf);
  const [first, ...more] = all;
  if (first === undefined) return { instancePath: '', keyword: 'schema', message: 'is not valid' };
  return more.length === 0 ? first : { ...first, more };
}

function modelCheck(name: string, validate: ValidateFunction, isCoercing: boolean): ValueCheck {
  return {
    label: `model "${name}"`,
    isCoercing,
    check: (value) => (validate(value) ? undefined : failuresOf(validate.errors)),
  };
}

function isMap(schemas: Readonly<Record<string, JsonSchema>> | ReadonlyMap<string, JsonSchema>): schemas is ReadonlyMap<string, JsonSchema> {
  return schemas instanceof Map;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.replace(/^strict mode: /, '') : String(error);
}

/**
 * A copy of `schema` in which every `format: date-time` also carries `streamdDate`, the keyword that
 * turns the validated string into a Date.
 */
function withDateKeywords(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withDateKeywords);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) out[key] = key === 'enum' || key === 'const' || key === 'default' || key === 'examples' ? value : withDateKeywords(value);
  if (out['format'] === 'date-time') out['streamdDate'] = true;
  return out;
}

/** ajv as models run at the topic boundary: every error, defaults applied; with `isCoercing`, Faust's coerce. */
function createAjv(isCoercing: boolean): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, useDefaults: true, ...(isCoercing ? { coerceTypes: true } : {}) });
  formats.default(ajv);
  ajv.addKeyword({ keyword: 'coerce', schemaType: 'boolean' });
  ajv.addKeyword({
    keyword: 'streamdDate',
    schemaType: 'boolean',
    modifying: true,
    // Runs after `type` and `format`: a string that failed them stays a string (and the value fails).
    validate: (_schema: boolean, data: unknown, _parent?: unknown, context?: { parentData: Record<string | number, unknown>; parentDataProperty: string | number }) => {
      if (typeof data !== 'string' || context === undefined) return true;
      const date = new Date(data);
      if (!Number.isNaN(date.getTime())) context.parentData[context.parentDataProperty] = date;
      return true;
    },
  });
  return ajv;
}

/**
 * The compiled models. Every schema is compiled in the constructor (one ajv instance, so one model may
 * `$ref` another by name); a schema that does not compile is a `ConfigError`. ajv runs `strict`, with
 * ajv-formats, as the manifest loader checks them; with `allErrors` (a refused value names every
 * failure with its path) and `useDefaults` (a `default` fills a missing property in the decoded value
 * and in a sent one). A model whose root says `coerce: true` (Faust's `Record(coerce=True)`) also
 * converts on decode: a string where the schema says number, integer or boolean becomes one (ajv's
 * coerceTypes), and a `format: date-time` string inside the value becomes a Date. Decimals stay
 * strings: JavaScript has no decimal type, and a number would lose digits.
 */
export class ModelRegistry {
  readonly #checks = new Map<string, ValueCheck>();

  constructor(schemas: Readonly<Record<string, JsonSchema>> | ReadonlyMap<string, JsonSchema>) {
    const entries: [string, JsonSchema][] = isMap(schemas) ? [...schemas] : Object.entries(schemas);
    const plain = createAjv(false);
    const coercing = createAjv(true);
    for (const [name, schema] of entries) {
      if (isPrimitiveType(name)) {
        throw new ConfigError(`model "${name}" has the name of a primitive type; rename it (primitive types: ${PRIMITIVE_TYPE_NAMES.join(', ')})`);
      }
      if (typeof schema === 'object' && schema.$async === true) {
        throw new ConfigError(`model "${name}" is an $async schema; a model's check must be synchronous`);
      }
      try {
        plain.addSchema(schema, name);
        coercing.addSchema(withDateKeywords(schema) as JsonSchema, name);
      } catch (error) {
        throw new ConfigError(`model "${name}" is not a valid JSON Schema: ${describe(error)}`, { cause: error });
      }
    }
    for (const [name, schema] of entries) {
      const isCoercing = typeof schema === 'object' && schema['coerce'] === true;
      let validate: ValidateFunction | undefined;
      try {
        validate = (isCoercing ? coercing : plain).getSchema(name);
      } catch (error) {
        throw new ConfigError(`model "${name}" is not a valid JSON Schema: ${describe(error)}`, { cause: error });
      }
      if (validate === undefined) throw new ConfigError(`model "${name}" did not compile`);
      this.#checks.set(name, modelCheck(name, validate, isCoercing));
    }
  }

  /** The model names, in declaration order. */
  get names(): string[] {
    return [...this.#checks.keys()];
  }

  has(name: string): boolean {
    return this.#checks.has(name);
  }

  /** The check of model `name`; a `ConfigError` when there is no such model. */
  check(name: string): ValueCheck {
    const check = this.#checks.get(name);
    if (check !== undefined) return check;
    const known = this.#checks.size === 0 ? 'no models are declared' : `declared models: ${this.names.join(', ')}`;
    throw new ConfigError(`unknown model "${name}"; ${known}`);
  }

  /** Checks `value` against model `name` (applying defaults, and coercing for a `coerce` model): `undefined` when it passes, else every failure. */
  validate(name: string, value: unknown): CheckFailure | undefined {
    return this.check(name).check(value);
  }
}
