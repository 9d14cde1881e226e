// Checks that each model is a JSON Schema ajv can use: the 2020-12 meta-schema first (problems at the
// offending node), then a strict compile (an unknown keyword such as `tpye` is pointed at by its key).

import type { ErrorObject, ValidateFunction } from 'ajv';
import type { CheckContext } from './context.js';
import { pointerToPath, type ManifestPath, type PathSegment } from './path.js';
import { entriesOf, type RawMap } from './raw-types.js';
import { createModelAjv, describeValue } from './schema.js';
import { didYouMean } from '../errors/index.js';

const SCHEMA_MAPS = ['properties', '$defs', 'definitions', 'patternProperties', 'dependentSchemas'];
const SCHEMA_VALUES = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const KEYWORDS = [
  'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'prefixItems', 'minimum', 'maximum',
  'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'pattern', 'format', 'minItems', 'maxItems',
  'uniqueItems', 'contains', 'minProperties', 'maxProperties', 'patternProperties', 'propertyNames', 'dependentRequired',
  'dependentSchemas', 'allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else', '$ref', '$defs', '$id', '$schema', '$comment',
  'title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', 'unevaluatedProperties', 'unevaluatedItems',
];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The path (inside a schema) of the first subschema that has the key `keyword`. */
function findKeyword(schema: unknown, keyword: string, path: PathSegment[] = []): PathSegment[] | undefined {
  if (!isObject(schema)) return undefined;
  if (Object.hasOwn(schema, keyword)) return [...path, keyword];
  const children: [PathSegment[], unknown][] = [];
  for (const key of SCHEMA_MAPS) if (isObject(schema[key])) for (const [name, sub] of Object.entries(schema[key])) children.push([[key, name], sub]);
  for (const key of SCHEMA_VALUES) if (key in schema) children.push([[key], schema[key]]);
  for (const key of SCHEMA_LISTS) if (Array.isArray(schema[key])) (schema[key] as unknown[]).forEach((sub, i) => children.push([[key, i], sub]));
  for (const [segments, sub] of children) {
    const found = findKeyword(sub, keyword, [...path, ...segments]);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** One problem per schema node that fails the meta-schema; the most specific error wins. */
function metaSchemaProblems(errors: readonly ErrorObject[], schema: unknown, base: ManifestPath, context: CheckContext): void {
  const byPath = new Map<string, ErrorObject[]>();
  for (const error of errors) byPath.set(error.instancePath, [...(byPath.get(error.instancePath) ?? []), error]);
  for (const [pointer, group] of byPath) {
    const path = [...base, ...pointerToPath(pointer, schema)];
    const enumError = group.find((error) => error.keyword === 'enum');
    const error = enumError ?? group.find((e) => !['anyOf', 'oneOf', 'type'].includes(e.keyword)) ?? group[0]!;
    if (enumError !== undefined) {
      const allowed = (enumError.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const value = pointerToPath(pointer, schema).reduce<unknown>((node, key) => (isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined), schema);
      const hint = typeof value === 'string' ? didYouMean(value, allowed) : undefined;
      context.report(path, `not a valid JSON Schema: ${describeValue(value)} is not allowed here`, { expected: `one of ${allowed.join(', ')}`, hint });
    } else {
      context.report(path, `not a valid JSON Schema: ${error.message ?? error.keyword}`);
    }
  }
}

/** Compiles every model; returns the validators of those that compiled. */
export function compileModels(models: RawMap<Readonly<Record<string, unknown>>>, context: CheckContext): Map<string, ValidateFunction> {
  const ajv = createModelAjv();
  const compiled = new Map<string, ValidateFunction>();
  for (const [name, schema] of entriesOf(models)) {
    const base: ManifestPath = ['models', name];
    if (!ajv.validateSchema(schema)) {
      metaSchemaProblems(ajv.errors ?? [], schema, base, context);
      continue;
    }
    try {
      compiled.set(name, ajv.compile(schema));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const unknown = /unknown keyword: "([^"]+)"/.exec(message)?.[1];
      const at = unknown === undefined ? undefined : findKeyword(schema, unknown);
      if (unknown !== undefined && at !== undefined) {
        context.report([...base, ...at], `not a valid JSON Schema: unknown keyword "${unknown}"`, { target: 'key', hint: didYouMean(unknown, KEYWORDS) });
      } else {
        context.report(base, `not a valid JSON Schema: ${message.replace(/^strict mode: /, '')}`, { target: 'key' });
      }
    }
  }
  return compiled;
}
