// A windowed table's `window:` turned into a WindowDeclaration: durations in milliseconds, the
// options of its type checked against each other, its sink and its `relativeTo` field checked
// against the manifest. Called by normalise.ts; problems go to the context with their positions.

import type { CheckContext } from './context.js';
import type { ManifestPath } from './path.js';
import { didYouMean } from '../errors/index.js';
import { entriesOf, type RawManifest, type RawWindow } from './raw-types.js';
import type { WindowDeclaration, WindowShape, WindowTime } from './types.js';

type WindowDefaults = Required<Pick<RawWindow, 'grace' | 'relativeTo' | 'idleClose' | 'emit'>>;

/** The options each window type takes (besides the common ones). */
const OPTIONS: Readonly<Record<RawWindow['type'], readonly ('size' | 'step' | 'before' | 'after' | 'gap')[]>> = {
  tumbling: ['size'],
  hopping: ['size', 'step'],
  sliding: ['before', 'after'],
  session: ['gap'],
};

const HINTS: Readonly<Record<RawWindow['type'], string>> = {
  tumbling: 'a tumbling window takes size',
  hopping: 'a hopping window takes size and step (step ≤ size)',
  sliding: 'a sliding window takes before and after',
  session: 'a session window takes gap',
};

function positive(path: ManifestPath, value: RawWindow['size'], context: CheckContext, what: string): number {
  if (value === undefined) {
    context.report(path.slice(0, -1), `a ${what} window needs ${String(path.at(-1))}`, { target: 'key' });
    return 1;
  }
  const ms = context.duration(path, value);
  if (ms === 0) context.report(path, `${String(path.at(-1))} must be longer than 0ms: a window of no time holds no event`);
  return ms;
}

function shapeOf(raw: RawWindow, path: ManifestPath, context: CheckContext): WindowShape {
  const allowed = OPTIONS[raw.type];
  for (const option of ['size', 'step', 'before', 'after', 'gap'] as const) {
    if (raw[option] !== undefined && !allowed.includes(option)) {
      context.report([...path, option], `a ${raw.type} window has no ${option}`, { target: 'key', hint: HINTS[raw.type] });
    }
  }
  const need = (option: 'size' | 'step' | 'before' | 'after' | 'gap'): number => positive([...path, option], raw[option], context, raw.type);
  switch (raw.type) {
    case 'tumbling':
      return { type: 'tumbling', sizeMs: need('size') };
    case 'hopping': {
      const sizeMs = need('size');
      const stepMs = need('step');
      if (stepMs > sizeMs) context.report([...path, 'step'], `step (${stepMs}ms) is longer than size (${sizeMs}ms): events between windows would be dropped`, { expected: 'step ≤ size' });
      return { type: 'hopping', sizeMs, stepMs };
    }
    case 'sliding':
      return { type: 'sliding', beforeMs: context.duration([...path, 'before'], raw.before ?? 0), afterMs: context.duration([...path, 'after'], raw.after ?? 0) };
    case 'session':
      return { type: 'session', gapMs: need('gap') };
  }
}

/** Whether the JSON schema `schema` has the property path `fields` (through nested `properties`). */
function hasField(schema: unknown, fields: readonly string[]): boolean {
  let at: unknown = schema;
  for (const field of fields) {
    const properties = typeof at === 'object' && at !== null ? (at as { properties?: unknown }).properties : undefined;
    if (typeof properties !== 'object' || properties === null || !Object.hasOwn(properties, field)) return false;
    at = (properties as Record<string, unknown>)[field];
  }
  return true;
}

/**
 * `relativeTo: {field}` against the models of the declared topics: a field no topic model has is a
 * problem. Unknown (and so unchecked) when no topic carries an object model.
 */
function checkField(fields: readonly string[], path: ManifestPath, raw: RawManifest, context: CheckContext): void {
  const models = raw.models ?? {};
  const objectModels = [...new Set(entriesOf(raw.topics).map(([, topic]) => topic?.valueType))]
    .filter((name): name is string => name !== undefined && Object.hasOwn(models, name) && typeof (models[name] as { properties?: unknown }).properties === 'object');
  if (objectModels.length === 0 || objectModels.some((name) => hasField(models[name], fields))) return;
  const known = objectModels.flatMap((name) => Object.keys((models[name] as { properties: object }).properties));
  context.report(path, `no topic model has the field "${fields.join('.')}" (models: ${objectModels.join(', ')})`, {
    hint: didYouMean(fields.join('.'), known) ?? 'relativeTo: {field: <path>} names a field of the event value holding epoch ms or an ISO-8601 time',
  });
}

function timeOf(relativeTo: RawWindow['relativeTo'], path: ManifestPath, raw: RawManifest, context: CheckContext): WindowTime {
  if (relativeTo === undefined || relativeTo === 'stream') return { kind: 'stream' };
  if (relativeTo === 'now') return { kind: 'now' };
  const fields = relativeTo.field.split('.');
  checkField(fields, [...path, 'field'], raw, context);
  return { kind: 'field', path: fields };
}

/** The window of table `table`; `path` is where `window:` is written. */
export function windowOf(rawWindow: RawWindow, defaults: WindowDefaults, path: ManifestPath, raw: RawManifest, context: CheckContext): WindowDeclaration {
  const spec = { ...defaults, ...rawWindow };
  const shape = shapeOf(spec, path, context);
  const expiresMs = context.optionalDuration([...path, 'expires'], spec.expires);
  const graceMs = context.duration([...path, 'grace'], spec.grace);
  const idleCloseMs = context.duration([...path, 'idleClose'], spec.idleClose);
  if (spec.sink !== undefined && !Object.hasOwn(raw.topics ?? {}, spec.sink)) {
    context.report([...path, 'sink'], `"${spec.sink}" is not a declared topic`, { hint: didYouMean(spec.sink, Object.keys(raw.topics ?? {})) ?? `declare it under topics: (${spec.sink}: {})` });
  }
  if (rawWindow.emit !== undefined && spec.sink === undefined) {
    context.report([...path, 'emit'], 'emit says what goes to the sink, but the window has no sink', { target: 'key', hint: 'add sink: <topic>, or remove emit' });
  }
  return {
    ...shape,
    ...(expiresMs === undefined ? {} : { expiresMs }),
    graceMs,
    idleCloseMs,
    relativeTo: timeOf(spec.relativeTo, [...path, 'relativeTo'], raw, context),
    emit: spec.emit,
    ...(spec.sink === undefined ? {} : { sink: spec.sink }),
  };
}
