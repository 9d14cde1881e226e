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
function failureOf(error: ErrorObject | undefined): CheckFailure {
  if (error === undefined) return { instancePath: '', keyword: 'schema', message: 'is not valid' };
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

function modelCheck(name: string, validate: ValidateFunction): ValueCheck {
  return {
    label: `model "${name}"`,
    // allErrors is off, so ajv stops at the first failure and `errors` holds just it.
    check: (value) => (validate(value) ? undefined : failureOf(validate.errors?.[0])),
  };
}

function isMap(schemas: Readonly<Record<string, JsonSchema>> | ReadonlyMap<string, JsonSchema>): schemas is ReadonlyMap<string, JsonSchema> {
  return schemas instanceof Map;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.replace(/^strict mode: /, '') : String(error);
}

/**
 * The compiled models. Every schema is compiled in the constructor (one ajv instance, so one model may
 * `$ref` another by name); a schema that does not compile is a `ConfigError`. ajv runs with
 * `allErrors: false` (stop at the first failure: the hot path pays for one error, not all) and
 * `strict: true`, with ajv-formats, as the manifest loader checks them.
 */
export class ModelRegistry {
  readonly #checks = new Map<string, ValueCheck>();

  constructor(schemas: Readonly<Record<string, JsonSchema>> | ReadonlyMap<string, JsonSchema>) {
    const entries: [string, JsonSchema][] = isMap(schemas) ? [...schemas] : Object.entries(schemas);
    const ajv = new Ajv2020({ allErrors: false, strict: true });
    formats.default(ajv);
    for (const [name, schema] of entries) {
      if (isPrimitiveType(name)) {
        throw new ConfigError(`model "${name}" has the name of a primitive type; rename it (primitive types: ${PRIMITIVE_TYPE_NAMES.join(', ')})`);
      }
      if (typeof schema === 'object' && schema.$async === true) {
        throw new ConfigError(`model "${name}" is an $async schema; a model's check must be synchronous`);
      }
      try {
        ajv.addSchema(schema, name);
      } catch (error) {
        throw new ConfigError(`model "${name}" is not a valid JSON Schema: ${describe(error)}`, { cause: error });
      }
    }
    for (const [name] of entries) {
      let validate: ValidateFunction | undefined;
      try {
        validate = ajv.getSchema(name);
      } catch (error) {
        throw new ConfigError(`model "${name}" is not a valid JSON Schema: ${describe(error)}`, { cause: error });
      }
      if (validate === undefined) throw new ConfigError(`model "${name}" did not compile`);
      this.#checks.set(name, modelCheck(name, validate));
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

  /** Checks `value` against model `name`: `undefined` when it passes, else the first failure. */
  validate(name: string, value: unknown): CheckFailure | undefined {
    return this.check(name).check(value);
  }
}
