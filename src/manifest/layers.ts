// Merges the layers of configuration into one plain manifest object, remembering where overridden
// values came from: flag > STREAMD_<SETTING> environment variable > manifest > config/defaults.yaml.
// The overridable settings are read from the schema, so a setting added there is overridable at once.

import { formatPath, type ManifestPath } from './path.js';
import { closest } from '../errors/index.js';
import type { Environment } from './interpolate.js';
import type { SettingOverrides } from './types.js';

/** One setting that an environment variable or a flag can set. */
export interface OverridableSetting {
  /** Flag name, e.g. `webPort`, `commitIntervalMs`. */
  readonly name: string;
  /** `STREAMD_WEB_PORT`, `STREAMD_COMMIT_INTERVAL_MS`. */
  readonly envName: string;
  readonly path: ManifestPath;
  /** JSON types the schema allows, used to coerce the text of an environment variable. */
  readonly types: ReadonlySet<string>;
}

export interface Layered {
  readonly value: Record<string, unknown>;
  /** Formatted path → origin label (`environment variable STREAMD_WEB_PORT`, `flag webPort`). */
  readonly origins: ReadonlyMap<string, string>;
  /** Flags that name no setting. */
  readonly unknownOverrides: readonly { readonly name: string; readonly suggestion?: string }[];
}

type SchemaObject = Readonly<Record<string, unknown>>;

const TOP_LEVEL = ['broker', 'store', 'datadir', 'buildDir', 'processingGuarantee'] as const;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `commitIntervalMs` → `COMMIT_INTERVAL_MS`. */
export function constantCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function propertiesOf(schema: SchemaObject | undefined): Record<string, SchemaObject> {
  const properties = schema?.['properties'];
  return isObject(properties) ? (properties as Record<string, SchemaObject>) : {};
}

function typesOf(property: SchemaObject, root: SchemaObject): Set<string> {
  const ref = property['$ref'];
  const target = typeof ref === 'string' ? (propertiesOf({ properties: root['$defs'] })[ref.replace('#/$defs/', '')] ?? {}) : property;
  const types = new Set<string>();
  const type = target['type'];
  for (const t of Array.isArray(type) ? type : [type]) if (typeof t === 'string') types.add(t);
  const choices = target['enum'];
  if (Array.isArray(choices)) for (const choice of choices) types.add(Number.isInteger(choice) ? 'integer' : typeof choice);
  return types;
}

/** Every overridable setting, from the manifest schema. */
export function overridableSettings(schema: SchemaObject): OverridableSetting[] {
  const top = propertiesOf(schema);
  const entry = (name: string, path: ManifestPath, property: SchemaObject): OverridableSetting => ({
    name,
    envName: `STREAMD_${constantCase(name)}`,
    path,
    types: typesOf(property, schema),
  });
  return [
    ...TOP_LEVEL.map((key) => entry(key, [key], top[key] ?? {})),
    ...Object.entries(propertiesOf(top['web'])).map(([key, property]) =>
      entry(`web${key.charAt(0).toUpperCase()}${key.slice(1)}`, ['web', key], property)),
    ...Object.entries(propertiesOf(top['settings'])).map(([key, property]) => entry(key, ['settings', key], property)),
  ];
}

/** The text of an environment variable (or a string flag) as the type the setting wants, when it reads as one. */
export function coerce(text: string, types: ReadonlySet<string>): unknown {
  const trimmed = text.trim();
  if (types.has('array')) return trimmed === '' ? [] : trimmed.split(',').map((item) => item.trim());
  if (types.has('boolean') && /^(true|false)$/i.test(trimmed)) return trimmed.toLowerCase() === 'true';
  if ((types.has('integer') || types.has('number')) && /^[-+]?\d+$/.test(trimmed)) return Number(trimmed);
  if (types.has('number') && trimmed !== '' && Number.isFinite(Number(trimmed))) return Number(trimmed);
  return text;
}

/** `base` with `over` laid on top: objects merge key by key, a null over an object keeps the object. */
function merge(base: unknown, over: unknown): unknown {
  if (over === undefined || (over === null && isObject(base))) return base;
  if (!isObject(base) || !isObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = merge(base[key], value);
  return out;
}

/** Sets `path` in `target`, creating objects on the way; false when a value on the way is not an object. */
function setAt(target: Record<string, unknown>, path: ManifestPath, value: unknown): boolean {
  let node: Record<string, unknown> = target;
  for (const segment of path.slice(0, -1)) {
    const key = String(segment);
    if (node[key] === undefined || node[key] === null) node[key] = {};
    const next = node[key];
    if (!isObject(next)) return false;
    node = next;
  }
  node[String(path.at(-1))] = value;
  return true;
}

/** Merges defaults, the manifest, the environment and the flags. */
export function layer(input: {
  readonly schema: SchemaObject;
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly manifest: Readonly<Record<string, unknown>>;
  readonly env: Environment;
  readonly overrides: SettingOverrides;
}): Layered {
  const value = merge(structuredClone(input.defaults), structuredClone(input.manifest)) as Record<string, unknown>;
  const origins = new Map<string, string>();
  const settings = overridableSettings(input.schema);
  for (const setting of settings) {
    const text = input.env[setting.envName];
    if (text !== undefined && setAt(value, setting.path, coerce(text, setting.types))) {
      origins.set(formatPath(setting.path), `environment variable ${setting.envName}`);
    }
  }
  const byName = new Map(settings.map((setting) => [setting.name, setting]));
  const unknownOverrides: { name: string; suggestion?: string }[] = [];
  for (const [name, raw] of Object.entries(input.overrides as Record<string, unknown>)) {
    if (raw === undefined) continue;
    const setting = byName.get(name);
    if (setting === undefined) {
      const suggestion = closest(name, byName.keys());
      unknownOverrides.push(suggestion === undefined ? { name } : { name, suggestion });
      continue;
    }
    if (setAt(value, setting.path, typeof raw === 'string' ? coerce(raw, setting.types) : raw)) {
      origins.set(formatPath(setting.path), `flag ${name}`);
    }
  }
  return { value, origins, unknownOverrides };
}
