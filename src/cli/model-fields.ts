// A model's fields read from its JSON Schema (properties, type, required, default) for `streamd model`
// and `streamd models`. Pure; describes the common keywords and falls back to `any`.

/** One property of an object model. */
export interface ModelField {
  readonly name: string;
  /** `string`, `integer`, `string (date-time)`, `array<string>`, `"a" | "b"`, `string | null`, `any`. */
  readonly type: string;
  readonly required: boolean;
  /** The JSON text of the schema's `default`, if it has one. */
  readonly default?: string;
  readonly description?: string;
}

type Schema = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A short type description of a (sub)schema. */
export function describeSchemaType(schema: unknown): string {
  if (schema === true) return 'any';
  if (schema === false) return 'never';
  if (!isObject(schema)) return 'any';
  if (typeof schema['$ref'] === 'string') return schema['$ref'].split('/').at(-1) ?? schema['$ref'];
  if (Object.hasOwn(schema, 'const')) return JSON.stringify(schema['const']);
  if (Array.isArray(schema['enum'])) return schema['enum'].map((value) => JSON.stringify(value)).join(' | ');
  for (const key of ['anyOf', 'oneOf']) {
    const options = schema[key];
    if (Array.isArray(options)) return options.map(describeSchemaType).join(' | ');
  }
  const types = Array.isArray(schema['type']) ? (schema['type'] as unknown[]).map(String) : typeof schema['type'] === 'string' ? [schema['type']] : [];
  if (types.length === 0) return isObject(schema['properties']) ? 'object' : 'any';
  return types.map((type) => {
    if (type === 'array') return schema['items'] === undefined ? 'array' : `array<${describeSchemaType(schema['items'])}>`;
    if (type === 'string' && typeof schema['format'] === 'string') return `string (${schema['format']})`;
    return type;
  }).join(' | ');
}

/** The properties of an object schema in declaration order; empty when the model is not an object. */
export function modelFields(schema: unknown): ModelField[] {
  if (!isObject(schema) || !isObject(schema['properties'])) return [];
  const required = new Set(Array.isArray(schema['required']) ? schema['required'].map(String) : []);
  return Object.entries(schema['properties']).map(([name, property]) => {
    const described = isObject(property) ? property : {};
    return {
      name,
      type: describeSchemaType(property),
      required: required.has(name),
      ...(Object.hasOwn(described, 'default') ? { default: JSON.stringify(described['default']) } : {}),
      ...(typeof described['description'] === 'string' ? { description: described['description'] } : {}),
    };
  });
}
