// Validates a merged manifest against config/manifest.schema.json with ajv and turns each ajv error
// into a problem at the YAML node it is about: unknown keys at the key, missing keys at the parent.

import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import type { Locator } from './locator.js';
import { pointerToPath, type ManifestPath } from './path.js';
import { didYouMean } from '../errors/index.js';
import type { ManifestProblem } from './types.js';

/** The manifest schema's own annotation for what a value should look like, used in messages. */
const EXPECTED_KEYWORD = 'x-expected';

/** ajv for streamd's own schemas: all errors, strict, with the schema node of each error. */
function createSchemaAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
  formats.default(ajv);
  ajv.addVocabulary([EXPECTED_KEYWORD]);
  return ajv;
}

/** ajv for users' model schemas, as the manifest checks them and the topic boundary applies them. */
export function createModelAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  formats.default(ajv);
  // Faust's Record(coerce=True): see ModelRegistry, which applies it at the topic boundary.
  ajv.addKeyword({ keyword: 'coerce', schemaType: 'boolean' });
  return ajv;
}

/** Compiles the manifest schema; a schema that does not compile is a streamd bug and throws. */
export function compileManifestSchema(schema: Readonly<Record<string, unknown>>): ValidateFunction {
  return createSchemaAjv().compile(schema);
}

const NOUNS: Readonly<Record<string, string>> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'empty',
};

/** `"four"`, `12`, `a mapping`, `a list`, `nothing` — what a value is, for messages. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value;
}

const COMPARISONS: Readonly<Record<string, string>> = { '<=': 'at most', '>=': 'at least', '<': 'less than', '>': 'more than' };

function typeNoun(type: unknown): string {
  const types = String(type).split(',').filter((t) => t !== 'null');
  return types.map((t) => NOUNS[t] ?? t).join(' or ');
}

const keysOf = (schema: unknown): string[] =>
  typeof schema === 'object' && schema !== null && typeof (schema as { properties?: unknown }).properties === 'object'
    ? Object.keys((schema as { properties: object }).properties)
    : [];

function describeKeys(keys: readonly string[]): string {
  return keys.length <= 12 ? `one of ${keys.join(', ')}` : 'a key described in config/manifest.schema.json';
}

/** One problem for an ajv error, or undefined for errors that only wrap others. */
function problemFor(error: ErrorObject, data: unknown, locator: Locator): ManifestProblem | undefined {
  const params = error.params as Record<string, unknown>;
  let path: ManifestPath = pointerToPath(error.instancePath, data);
  const annotated: unknown = error.parentSchema?.[EXPECTED_KEYWORD];
  const expected = typeof annotated === 'string' ? annotated : undefined;
  if (error.keyword === 'propertyNames') return undefined;
  if (error.propertyName !== undefined) {
    path = [...path, error.propertyName];
    return locator.problem(path, `${describeValue(error.propertyName)} is not a valid name`, { target: 'key', expected });
  }
  const value = error.data;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const allowed = keysOf(error.parentSchema);
      const hint = didYouMean(key, allowed);
      return locator.problem([...path, key], `unknown key "${key}"`, {
        target: 'key',
        ...(hint === undefined ? { expected: describeKeys(allowed) } : { hint }),
      });
    }
    case 'required':
      return locator.problem(path, `missing required key "${String(params['missingProperty'])}"`, { target: 'key' });
    case 'type':
      return locator.problem(path, `must be ${typeNoun(params['type'])}, got ${describeValue(value)}`, { expected });
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map((v) => String(v));
      const hint = typeof value === 'string' ? didYouMean(value, allowed) : undefined;
      return locator.problem(path, `${describeValue(value)} is not allowed`, { expected: `one of ${allowed.join(', ')}`, hint });
    }
    case 'pattern':
    case 'not':
      return locator.problem(path, `${describeValue(value)} is not valid`, { expected: expected ?? `a string matching /${String(params['pattern'])}/` });
    case 'format':
      return locator.problem(path, `${describeValue(value)} is not a valid ${String(params['format'])}`, { expected });
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return locator.problem(path, `must be ${COMPARISONS[String(params['comparison'])] ?? String(params['comparison'])} ${String(params['limit'])}, got ${describeValue(value)}`, { expected });
    case 'minLength':
      return locator.problem(path, params['limit'] === 1 ? 'must not be empty' : `must have at least ${String(params['limit'])} characters`, { expected });
    case 'minItems':
      return locator.problem(path, `must list at least ${String(params['limit'])} item${params['limit'] === 1 ? '' : 's'}`, { expected });
    case 'uniqueItems': {
      const later = Math.max(Number(params['i']), Number(params['j']));
      const item = Array.isArray(value) ? (value as unknown[])[later] : undefined;
      return locator.problem([...path, later], `${describeValue(item)} is listed twice`);
    }
    default:
      return locator.problem(path, error.message ?? `fails the schema's "${error.keyword}" rule`, { expected });
  }
}

/** Validates `data`; returns one problem per distinct schema violation. */
export function schemaProblems(validate: ValidateFunction, data: unknown, locator: Locator): ManifestProblem[] {
  if (validate(data)) return [];
  const seen = new Set<string>();
  const problems: ManifestProblem[] = [];
  for (const error of validate.errors ?? []) {
    const problem = problemFor(error, data, locator);
    if (problem === undefined) continue;
    const key = `${problem.file}:${problem.line}:${problem.column}:${problem.path}:${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}
