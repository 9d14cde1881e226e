// Builds the typed `Manifest` from a schema-valid raw manifest: per-declaration defaults applied,
// durations in milliseconds, handler references resolved, windows checked. Problems go to the context.

import { isAbsolute, join, resolve } from 'node:path';
import type { CheckContext } from './context.js';
import type { ManifestPath } from './path.js';
import { cronProblem, isTimezone, knownTimezones } from './cron.js';
import { didYouMean } from '../errors/index.js';
import { sinkReferences } from './semantic.js';
import { CODEC_NAMES, parseCodecChain, type CodecChain } from '../models/index.js';
import { windowOf } from './window-spec.js';
import { TABLE_HOOK_NAMES } from './types.js';
import {
  entriesOf,
  isBuiltinType,
  type DeclarationDefaults,
  type RawAgent,
  type RawChannel,
  type RawManifest,
  type RawTable,
  type RawTopic,
} from './raw-types.js';
import type {
  AgentDeclaration,
  ChannelDeclaration,
  CodecDeclaration,
  CrontabDeclaration,
  JsonValue,
  Manifest,
  ModelDeclaration,
  SerializerName,
  Settings,
  TableDeclaration,
  TaskDeclaration,
  TimerDeclaration,
  TopicDeclaration,
  TypeReference,
  ViewDeclaration,
  WebSettings,
} from './types.js';

/** The largest delay a Node timer honours; longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

export interface NormaliseInput {
  readonly raw: RawManifest;
  readonly defaults: DeclarationDefaults;
  readonly sourcePath: string;
  /** Where relative values set by a flag or environment variable resolve. */
  readonly cwd: string;
}

const typeReference = (name: string): TypeReference =>
  isBuiltinType(name) ? { kind: 'builtin', name } : { kind: 'model', name };

function serializerFor(type: TypeReference): SerializerName {
  if (type.kind === 'builtin' && type.name === 'bytes') return 'raw';
  if (type.kind === 'builtin' && type.name === 'string') return 'string';
  return 'json';
}

/**
 * A topic's `keySerializer`/`valueSerializer` as a codec chain (`json|gzip`); absent, the type's
 * serializer alone. An unknown codec is reported at its place in the file, with the closest name.
 */
function codecChainOf(path: ManifestPath, spec: string | undefined, type: TypeReference, customNames: readonly string[], context: CheckContext): CodecChain {
  if (spec === undefined) return { serializer: serializerFor(type), byteCodecs: [] };
  const chain = parseCodecChain(spec, customNames);
  if ('serializer' in chain) return chain;
  context.report(path, chain.problem, { expected: 'a codec chain such as json, raw, binary or json|gzip', hint: didYouMean(chain.name, [...CODEC_NAMES, ...customNames]) });
  return { serializer: serializerFor(type), byteCodecs: [] };
}

/** The custom codecs: module references (checked to exist like handlers); a built-in's name is refused. */
function codecsOf(raw: RawManifest, context: CheckContext): Map<string, CodecDeclaration> {
  return new Map(entriesOf(raw.codecs).map(([name, text]): [string, CodecDeclaration] => {
    const path = ['codecs', name];
    if (CODEC_NAMES.includes(name)) context.report(path, `"${name}" is a built-in codec; a custom codec needs a name of its own`, { target: 'key' });
    return [name, { name, module: context.handler(path, text), location: context.location(path) }];
  }));
}

function checkTimezone(path: ManifestPath, zone: string, context: CheckContext): void {
  if (isTimezone(zone)) return;
  context.report(path, `"${zone}" is not a time zone`, { expected: 'an IANA time zone such as UTC or Europe/Oslo', hint: didYouMean(zone, knownTimezones()) });
}

function settingsOf(raw: RawManifest, context: CheckContext): Settings {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw.settings)) {
    out[key] = key.endsWith('Ms') ? context.duration(['settings', key], value as string | number) : value;
  }
  const settings = out as unknown as Settings;
  checkTimezone(['settings', 'timezone'], settings.timezone, context);
  return settings;
}

function webOf(raw: RawManifest): WebSettings {
  const { port, host, authToken, openPaths, canonicalUrl } = raw.web;
  return {
    port,
    host,
    openPaths,
    ...(authToken === undefined || authToken === '' ? {} : { authToken }),
    ...(canonicalUrl === undefined ? {} : { canonicalUrl }),
  };
}

function topicOf(name: string, raw: RawTopic | null, input: NormaliseInput, context: CheckContext): TopicDeclaration {
  const spec = { ...input.defaults.topic, ...raw };
  const path = ['topics', name];
  const keyType = typeReference(spec.keyType);
  const valueType = typeReference(spec.valueType);
  const retentionMs = context.optionalDuration([...path, 'retentionMs'], spec.retentionMs);
  const customNames = entriesOf(input.raw.codecs).map(([codec]) => codec);
  const keyChain = codecChainOf([...path, 'keySerializer'], spec.keySerializer, keyType, customNames, context);
  const valueChain = codecChainOf([...path, 'valueSerializer'], spec.valueSerializer, valueType, customNames, context);
  const pattern = raw?.pattern === undefined ? undefined : patternOf(path, raw, context);
  return {
    name,
    ...(pattern === undefined ? {} : { pattern }),
    keyType,
    valueType,
    keySerializer: keyChain.serializer,
    valueSerializer: valueChain.serializer,
    keyByteCodecs: keyChain.byteCodecs,
    valueByteCodecs: valueChain.byteCodecs,
    ...(spec.partitions === undefined ? {} : { partitions: spec.partitions }),
    ...(spec.replicas === undefined ? {} : { replicas: spec.replicas }),
    ...(retentionMs === undefined ? {} : { retentionMs }),
    isCompacted: spec.compacted,
    isInternal: pattern === undefined && spec.internal,
    onDecodeError: spec.onDecodeError,
    acceptsNullValues: spec.nullValues,
    config: Object.fromEntries(Object.entries(spec.config ?? {}).map(([key, value]) => [key, String(value)])),
    location: context.location(path),
  };
}

/** Keys that only matter when streamd creates the topic, which it never does for a pattern. */
const CREATION_KEYS = ['partitions', 'replicas', 'retentionMs', 'compacted', 'config', 'internal'] as const;

/** A pattern topic's regular expression; creation keys beside it are refused (the topics exist or come later). */
function patternOf(path: ManifestPath, raw: RawTopic, context: CheckContext): RegExp | undefined {
  for (const key of CREATION_KEYS) {
    if (raw[key] === undefined || (key === 'internal' && raw.internal === false)) continue;
    context.report([...path, key], `a pattern topic is never created by streamd, so ${key} cannot apply`, { target: 'key', hint: `remove ${key}: the topics the pattern matches are made by whoever writes them` });
  }
  try {
    return new RegExp(raw.pattern!);
  } catch (err) {
    context.report([...path, 'pattern'], `not a regular expression: ${(err as Error).message}`, { expected: 'a JavaScript regular expression such as ^orders-.*' });
    return undefined;
  }
}

function tableOf(name: string, raw: RawTable | null, input: NormaliseInput, settings: Settings, context: CheckContext): TableDeclaration {
  const spec = { ...input.defaults.table, ...raw };
  const path = ['tables', name];
  if (spec.kind === 'set' && spec.default !== undefined) {
    context.report([...path, 'default'], 'a set table has no default: a missing key is the empty set', { target: 'key' });
  }
  if (spec.onWindowClose !== undefined && spec.window === undefined) {
    context.report([...path, 'onWindowClose'], 'onWindowClose is called when a window closes, but the table has no window', { target: 'key', hint: 'add window: {type: tumbling, size: 1m}, or remove onWindowClose' });
  }
  for (const hook of TABLE_HOOK_NAMES) {
    if (spec[hook] !== undefined && spec.window !== undefined) {
      context.report([...path, hook], `${hook} is not available on a windowed table: its keys carry windows`, { target: 'key', hint: 'use onWindowClose for closed windows, or put the hook on a plain table' });
    }
  }
  if (spec.window !== undefined && (spec.kind === 'set' || spec.global === true)) {
    context.report([...path, 'window'], `a ${spec.kind === 'set' ? 'set' : 'global'} table cannot be windowed`, { target: 'key' });
  }
  return {
    name,
    kind: spec.kind,
    keyType: typeReference(spec.keyType),
    valueType: typeReference(spec.valueType),
    ...(spec.default === undefined ? {} : { defaultValue: spec.default as JsonValue }),
    ...(spec.partitions === undefined ? {} : { partitions: spec.partitions }),
    ...(spec.window === undefined ? {} : { window: windowOf(spec.window, input.defaults.window, [...path, 'window'], input.raw, context) }),
    ...(spec.onWindowClose === undefined ? {} : { onWindowClose: context.handler([...path, 'onWindowClose'], spec.onWindowClose) }),
    ...tableHooksOf(spec, path, context),
    isGlobal: spec.global,
    standbyReplicas: spec.standbyReplicas ?? settings.standbyReplicas,
    location: context.location(path),
  };
}

/** The table's hooks (onKeySet, onKeyDel, onChangelogEvent) as handler references; nothing when it names none. */
function tableHooksOf(spec: RawTable, path: ManifestPath, context: CheckContext): Pick<TableDeclaration, 'hooks'> {
  const named = TABLE_HOOK_NAMES.flatMap((hook) => {
    const text = spec[hook];
    return text === undefined ? [] : [[hook, context.handler([...path, hook], text)] as const];
  });
  return named.length === 0 ? {} : { hooks: Object.fromEntries(named) };
}

function channelOf(name: string, raw: RawChannel | null, context: CheckContext): ChannelDeclaration {
  const valueType = raw?.valueType;
  return { name, ...(valueType === undefined ? {} : { valueType: typeReference(valueType) }), location: context.location(['channels', name]) };
}

function agentOf(name: string, raw: RawAgent, input: NormaliseInput, context: CheckContext): AgentDeclaration {
  const spec = { ...input.defaults.agent, ...raw };
  const path = ['agents', name];
  const given = (['topic', 'topics', 'channel'] as const).filter((key) => spec[key] !== undefined);
  if (given.length > 1) {
    context.report([...path, given[1]!], `give one of topic, topics or channel, not ${given.join(' and ')}`, { target: 'key' });
  } else if (given.length === 0) {
    context.report(path, 'missing required key "topic"', { target: 'key', hint: 'an agent reads topic: <name>, topics: [<name>, …] or channel: <name>' });
  }
  return {
    name,
    topics: spec.topic === undefined ? [...(spec.topics ?? [])] : [spec.topic],
    ...(spec.channel === undefined ? {} : { channel: spec.channel }),
    handler: context.handler([...path, 'handler'], spec.handler),
    concurrency: spec.concurrency,
    sinks: sinkReferences(name, spec.sinks, input.raw, context),
    hasIsolatedPartitions: spec.isolatedPartitions,
    location: context.location(path),
  };
}

function timersOf(input: NormaliseInput, context: CheckContext): Map<string, TimerDeclaration> {
  return new Map(entriesOf(input.raw.timers).map(([name, raw]) => {
    const spec = { ...input.defaults.timer, ...raw };
    const path = ['timers', name];
    const intervalMs = context.optionalDuration([...path, 'interval'], spec.interval) ?? 0;
    if (intervalMs > MAX_TIMER_MS) context.report([...path, 'interval'], `${intervalMs}ms is longer than a timer can wait (${MAX_TIMER_MS}ms, about 24.8 days)`, { hint: 'use a crontab for long periods' });
    const timer = { name, intervalMs, isLeaderOnly: spec.onLeader, handler: context.handler([...path, 'handler'], spec.handler), location: context.location(path) };
    return [name, timer];
  }));
}

function crontabsOf(input: NormaliseInput, settings: Settings, context: CheckContext): Map<string, CrontabDeclaration> {
  return new Map(entriesOf(input.raw.crontabs).map(([name, raw]) => {
    const spec = { ...input.defaults.crontab, ...raw };
    const path = ['crontabs', name];
    const problem = cronProblem(spec.cron);
    if (problem !== undefined) context.report([...path, 'cron'], problem, { expected: 'minute hour day-of-month month day-of-week, e.g. "0 3 * * *"' });
    const timezone = spec.timezone ?? settings.timezone;
    if (spec.timezone !== undefined) checkTimezone([...path, 'timezone'], timezone, context);
    const crontab = { name, cron: spec.cron, timezone, isLeaderOnly: spec.onLeader, handler: context.handler([...path, 'handler'], spec.handler), location: context.location(path) };
    return [name, crontab];
  }));
}

function tasksOf(input: NormaliseInput, context: CheckContext): Map<string, TaskDeclaration> {
  return new Map(entriesOf(input.raw.tasks).map(([name, raw]) => {
    const spec = { ...input.defaults.task, ...raw };
    const path = ['tasks', name];
    return [name, { name, isLeaderOnly: spec.onLeader, handler: context.handler([...path, 'handler'], spec.handler), location: context.location(path) }];
  }));
}

function viewsOf(input: NormaliseInput, context: CheckContext): ViewDeclaration[] {
  return (input.raw.views ?? []).map((raw, i) => {
    const spec = { ...input.defaults.view, ...raw };
    return {
      method: spec.method,
      path: spec.path,
      handler: context.handler(['views', i, 'handler'], spec.handler),
      ...(raw.routeBy === undefined ? {} : { routeBy: { table: raw.routeBy.table, param: raw.routeBy.param } }),
      location: context.locator.location(['views', i]),
    };
  });
}

/** A directory setting made absolute: against the manifest's directory, or the working directory when an environment variable or flag set it. */
function directoryOf(key: 'datadir' | 'buildDir', input: NormaliseInput, context: CheckContext): string {
  const dir = input.raw[key] ?? '';
  if (isAbsolute(dir)) return dir;
  return resolve(context.locator.originOf([key]) === undefined ? context.baseDir : input.cwd, dir);
}

/** The typed manifest. Its content is only meaningful when the context holds no problems. */
export function normalise(input: NormaliseInput, context: CheckContext): Manifest {
  const { raw } = input;
  const settings = settingsOf(raw, context);
  const models = new Map(entriesOf(raw.models).map(([name, schema]): [string, ModelDeclaration] =>
    [name, { name, schema, location: context.location(['models', name]) }]));
  return {
    sourcePath: input.sourcePath,
    id: raw.id,
    version: raw.version,
    broker: raw.broker,
    store: raw.store,
    datadir: directoryOf('datadir', input, context),
    // Under the datadir unless set: never the app's own directory, which may be read-only.
    buildDir: raw.buildDir === undefined ? join(directoryOf('datadir', input, context), '.cache', 'handlers') : directoryOf('buildDir', input, context),
    processingGuarantee: raw.processingGuarantee,
    web: webOf(raw),
    settings,
    models,
    codecs: codecsOf(raw, context),
    topics: new Map(entriesOf(raw.topics).map(([name, spec]) => [name, topicOf(name, spec, input, context)])),
    tables: new Map(entriesOf(raw.tables).map(([name, spec]) => [name, tableOf(name, spec, input, settings, context)])),
    channels: new Map(entriesOf(raw.channels).map(([name, spec]) => [name, channelOf(name, spec, context)])),
    agents: new Map(entriesOf(raw.agents).map(([name, spec]) => [name, agentOf(name, spec, input, context)])),
    timers: timersOf(input, context),
    crontabs: crontabsOf(input, settings, context),
    tasks: tasksOf(input, context),
    views: viewsOf(input, context),
  };
}
