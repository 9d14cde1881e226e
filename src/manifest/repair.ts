// Lets one run report every problem: a manifest that fails the schema is repaired (each offending
// value replaced by its default, or removed) so that the name and handler checks can run on the rest.
// Called by checkManifest; the schema problems are reported all the same, and nothing repaired is used.

import type { ErrorObject, ValidateFunction } from 'ajv';
import { formatPath, pointerToPath, type ManifestPath } from './path.js';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The node an ajv error is about, or undefined when removing it cannot help (the manifest's own required keys). */
function offendingPath(error: ErrorObject, data: unknown): ManifestPath | undefined {
  const path = pointerToPath(error.instancePath, data);
  if (error.propertyName !== undefined) return [...path, error.propertyName];
  if (error.keyword === 'additionalProperties') return [...path, String((error.params as { additionalProperty?: unknown }).additionalProperty)];
  if (error.keyword === 'required') return path.length >= 2 ? path : undefined;
  return path.length === 0 ? undefined : path;
}

function valueAt(root: unknown, path: ManifestPath): unknown {
  let node = root;
  for (const segment of path) node = isObject(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[segment] : undefined;
  return node;
}

/** Replaces (by its default) or deletes the value at `path`; false when that would shift an array's items. */
function remove(root: Record<string, unknown>, path: ManifestPath, defaults: unknown): boolean {
  const parent = valueAt(root, path.slice(0, -1));
  const key = path.at(-1)!;
  if (!isObject(parent) || typeof key !== 'string') return false;
  const fallback = valueAt(defaults, path);
  if (fallback === undefined) delete parent[key];
  else parent[key] = structuredClone(fallback);
  return true;
}

/** What a repair did: the manifest value that passes the schema, and the formatted paths it changed. */
export interface Repair {
  readonly value: Record<string, unknown>;
  readonly paths: readonly string[];
}

/**
 * A copy of `data` without the values the schema refuses (an unknown key, a value of the wrong type, a
 * declaration missing a required key), each replaced by its default when there is one; undefined when
 * the copy still fails the schema or the repair would have to remove array items.
 */
export function repairForChecks(validate: ValidateFunction, data: Record<string, unknown>, defaults: Readonly<Record<string, unknown>>): Repair | undefined {
  const value = structuredClone(data);
  const paths = new Set<string>();
  for (let round = 0; round < 3; round++) {
    if (validate(value)) return { value, paths: [...paths] };
    for (const error of validate.errors ?? []) {
      if (['anyOf', 'oneOf', 'if', 'not'].includes(error.keyword) && error.instancePath !== '') continue;
      const path = offendingPath(error, value);
      if (path === undefined || !remove(value, path, defaults)) return undefined;
      paths.add(formatPath(path));
    }
  }
  return undefined;
}

/** True when a later problem at `problemPath` is about something the repair changed (or its declaration). */
export function isAboutRepaired(problemPath: string, repaired: readonly string[]): boolean {
  return repaired.some((path) => problemPath === path || problemPath.startsWith(`${path}.`) || problemPath.startsWith(`${path}[`) || path.startsWith(`${problemPath}.`));
}
