// Checks that need the whole manifest: names that refer to other declarations (agent topics, sinks,
// key and value types), table defaults against their value type, views that collide, and settings
// that contradict each other. Runs on a schema-valid manifest; problems go to the context.

import type { ValidateFunction } from 'ajv';
import type { CheckContext } from './context.js';
import type { ManifestPath } from './path.js';
import { entriesOf, isBuiltinType, type RawManifest } from './raw-types.js';
import { describeValue } from './schema.js';
import { didYouMean } from '../errors/index.js';
import { BUILTIN_TYPE_NAMES, type Manifest, type SinkReference, type TypeReference } from './types.js';

const has = (map: Readonly<Record<string, unknown>> | null | undefined, name: string): boolean =>
  map !== null && map !== undefined && Object.hasOwn(map, name);

const names = (map: Readonly<Record<string, unknown>> | null | undefined): string[] => (map === null || map === undefined ? [] : Object.keys(map));

/**
 * Each sink as a topic, an agent (`name` or `@name`) or a function (`./file.ts#export`); a name that
 * is none of them (or both a topic and an agent) is a problem.
 */
export function sinkReferences(agent: string, sinks: readonly string[], raw: RawManifest, context: CheckContext): SinkReference[] {
  const references: SinkReference[] = [];
  sinks.forEach((written, i) => {
    const path = ['agents', agent, 'sinks', i];
    if (written.includes('#') || written.startsWith('.') || written.startsWith('/')) {
      references.push({ kind: 'handler', name: written, handler: context.handler(path, written) });
      return;
    }
    const isExplicitAgent = written.startsWith('@');
    const name = isExplicitAgent ? written.slice(1) : written;
    const isTopic = !isExplicitAgent && has(raw.topics, name);
    const isAgent = has(raw.agents, name);
    if (isTopic && isAgent) {
      context.report(path, `"${name}" is both a topic and an agent`, { hint: `write @${name} for the agent, or rename one of them` });
    } else if (isTopic || isAgent) {
      references.push({ kind: isTopic ? 'topic' : 'agent', name });
    } else {
      const hint = didYouMean(name, isExplicitAgent ? names(raw.agents) : [...names(raw.topics), ...names(raw.agents)]);
      context.report(path, `"${written}" is neither a declared topic nor an agent`, { hint, expected: 'a topic, an agent (@name) or a function (./file.ts#export)' });
    }
  });
  return references;
}

/** An agent's `channel:` names a declared channel; a channel's valueType names a type. */
function checkChannels(raw: RawManifest, context: CheckContext): void {
  const readers = new Map<string, string>();
  for (const [agent, spec] of entriesOf(raw.agents)) {
    if (spec.channel === undefined) continue;
    const first = readers.get(spec.channel);
    const readsTopics = spec.topic !== undefined || spec.topics !== undefined;   // reported by normalise
    // One queue, one reader: a second agent would take events from the first at random.
    if (first !== undefined && !readsTopics) context.report(['agents', agent, 'channel'], `channel "${spec.channel}" is already read by agent ${first}`, { hint: 'declare a channel per agent, or raise the first agent\'s concurrency' });
    if (first === undefined && !readsTopics) readers.set(spec.channel, agent);
    if (has(raw.channels, spec.channel)) continue;
    const hint = didYouMean(spec.channel, names(raw.channels)) ?? `declare it under channels: (${spec.channel}: {})`;
    context.report(['agents', agent, 'channel'], `"${spec.channel}" is not a declared channel`, { hint });
  }
  for (const [name, spec] of entriesOf(raw.channels)) checkTypeName(['channels', name, 'valueType'], spec?.valueType, raw, context);
}

function checkAgentTopics(raw: RawManifest, context: CheckContext): void {
  for (const [agent, spec] of entriesOf(raw.agents)) {
    const listed: [ManifestPath, string][] =
      spec.topic !== undefined ? [[['agents', agent, 'topic'], spec.topic]] : (spec.topics ?? []).map((topic, i) => [['agents', agent, 'topics', i], topic]);
    for (const [path, topic] of listed) {
      if (has(raw.topics, topic)) continue;
      const hint = didYouMean(topic, names(raw.topics)) ?? `declare it under topics: (${topic}: { valueType: … })`;
      context.report(path, `"${topic}" is not a declared topic`, { hint });
    }
  }
}

function checkTypeName(path: ManifestPath, name: string | undefined, raw: RawManifest, context: CheckContext): void {
  if (name === undefined || isBuiltinType(name) || has(raw.models, name)) return;
  const candidates = [...BUILTIN_TYPE_NAMES, ...names(raw.models)];
  context.report(path, `"${name}" is neither a built-in type nor a declared model`, {
    expected: `one of ${BUILTIN_TYPE_NAMES.join(', ')}, or a model name`,
    hint: didYouMean(name, candidates),
  });
}

function checkTypes(raw: RawManifest, context: CheckContext): void {
  for (const [section, map] of [['topics', raw.topics], ['tables', raw.tables]] as const) {
    for (const [name, spec] of entriesOf<{ keyType?: string; valueType?: string } | null>(map)) {
      checkTypeName([section, name, 'keyType'], spec?.keyType, raw, context);
      checkTypeName([section, name, 'valueType'], spec?.valueType, raw, context);
    }
  }
}

function builtinMatches(type: TypeReference, value: unknown): boolean {
  switch (type.kind === 'builtin' ? type.name : 'json') {
    case 'integer':
      return Number.isSafeInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

function checkTableDefaults(manifest: Manifest, models: ReadonlyMap<string, ValidateFunction>, context: CheckContext): void {
  for (const table of manifest.tables.values()) {
    if (!('defaultValue' in table)) continue;
    const path = ['tables', table.name, 'default'];
    const { valueType, defaultValue } = table;
    if (valueType.kind === 'builtin' && !builtinMatches(valueType, defaultValue)) {
      context.report(path, `${describeValue(defaultValue)} is not a valid ${valueType.name}, the table's valueType`);
    }
    const validate = valueType.kind === 'model' ? models.get(valueType.name) : undefined;
    if (validate !== undefined && !validate(defaultValue)) {
      const reasons = (validate.errors ?? []).map((e) => `${e.instancePath || 'the value'} ${e.message ?? e.keyword}`).join('; ');
      context.report(path, `the default does not match model ${valueType.name}: ${reasons}`);
    }
  }
}

/** Routes the web area serves itself (ARCHITECTURE.md §7). */
const RESERVED = /^\/(health|ready|metrics|agents|topology|tables|topics)(\/|$)/;

function checkViews(raw: RawManifest, context: CheckContext): void {
  const seen = new Map<string, number>();
  (raw.views ?? []).forEach((view, i) => {
    const method = view.method ?? 'GET';
    if (RESERVED.test(view.path)) {
      context.report(['views', i, 'path'], `"${view.path}" is a route streamd serves itself`, { hint: 'choose a path outside /health, /ready, /metrics, /agents, /topology, /tables and /topics' });
    }
    const table = view.routeBy?.table;
    if (table !== undefined && !Object.hasOwn(raw.tables ?? {}, table)) {
      context.report(['views', i, 'routeBy', 'table'], `"${table}" is not a declared table`, { hint: didYouMean(table, names(raw.tables)) ?? 'routeBy names the table whose key owner runs the view' });
    }
    // `/pages/:page` and `/pages/:id` are the same route.
    const key = `${method} ${view.path.replace(/:[^/]+/g, ':').replace(/\/+$/, '')}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, i);
      return;
    }
    const at = context.locator.location(['views', first, 'path']);
    context.report(['views', i, 'path'], `${method} ${view.path} is already a view (views[${first}]${at.line > 0 ? `, line ${at.line}` : ''})`);
  });
}

/** Of two settings that contradict each other, the one the user set (the first when both or neither are). */
function blame(first: string, second: string, context: CheckContext): ManifestPath {
  const isFirstDefault = context.locator.isDefault(['settings', first]);
  const isSecondDefault = context.locator.isDefault(['settings', second]);
  return ['settings', isFirstDefault && !isSecondDefault ? second : first];
}

function checkSettings(manifest: Manifest, context: CheckContext): void {
  const { settings } = manifest;
  if (settings.brokerHeartbeatIntervalMs >= settings.brokerSessionTimeoutMs) {
    context.report(blame('brokerHeartbeatIntervalMs', 'brokerSessionTimeoutMs', context), `the heartbeat interval (${settings.brokerHeartbeatIntervalMs}ms) must be shorter than the session timeout (${settings.brokerSessionTimeoutMs}ms)`, {
      hint: 'brokerHeartbeatIntervalMs at a third of brokerSessionTimeoutMs or less',
    });
  }
  if (settings.brokerSessionTimeoutMs > settings.brokerRequestTimeoutMs) {
    context.report(blame('brokerRequestTimeoutMs', 'brokerSessionTimeoutMs', context), `the request timeout (${settings.brokerRequestTimeoutMs}ms) must not be shorter than the session timeout (${settings.brokerSessionTimeoutMs}ms)`);
  }
  if (settings.topicPatternRefreshIntervalMs < 100) {
    context.report(['settings', 'topicPatternRefreshIntervalMs'], `${settings.topicPatternRefreshIntervalMs}ms would list the broker's topics without pause`, { hint: 'at least 100ms; the default is 30s' });
  }
  if (manifest.processingGuarantee === 'exactly_once') {
    for (const [name, topic] of manifest.topics) {
      if (topic.pattern === undefined) continue;
      context.report(['topics', name, 'pattern'], 'a topic pattern cannot be read under exactly_once yet: the transactional ids are fixed at start, and a topic created later would have none', {
        hint: 'declare the topics by name, or use processingGuarantee: at_least_once',
      });
    }
  }
  if (manifest.processingGuarantee === 'exactly_once' && settings.producerAcks !== -1) {
    context.report(['settings', 'producerAcks'], `exactly_once needs producerAcks -1, not ${settings.producerAcks}`, { hint: 'remove producerAcks or set it to -1' });
  }
}

/** Agent options that cannot work together. */
function checkAgentOptions(raw: RawManifest, context: CheckContext): void {
  for (const [agent, spec] of entriesOf(raw.agents)) {
    if (spec.isolatedPartitions !== true) continue;
    // As in Faust: one actor per partition is the point; more actors would share its partitions again.
    if ((spec.concurrency ?? 1) > 1) {
      context.report(['agents', agent, 'concurrency'], `isolatedPartitions runs one actor per assigned partition, so concurrency ${spec.concurrency} cannot apply`, {
        hint: 'remove concurrency (or set it to 1), or remove isolatedPartitions',
      });
    }
    if (spec.channel !== undefined && spec.topic === undefined && spec.topics === undefined) {
      context.report(['agents', agent, 'isolatedPartitions'], 'isolatedPartitions needs topic partitions, and a channel has none', { hint: 'remove isolatedPartitions, or read a topic' });
    }
  }
}

/**
 * A pattern topic is read, never written nor created: not a sink (of an agent or a window), and not
 * the input of an app with partitioned tables, whose partitions go with fixed source topics.
 */
function checkPatternTopics(raw: RawManifest, context: CheckContext): void {
  const isPattern = (name: string): boolean => raw.topics?.[name]?.pattern !== undefined;
  const why = 'a pattern stands for topics that other programs create; streamd cannot choose one of them to write';
  for (const [agent, spec] of entriesOf(raw.agents)) {
    (spec.sinks ?? []).forEach((sink, i) => {
      const target = raw.agents?.[sink.replace(/^@/, '')];
      const targetTopic = target?.topic ?? target?.topics?.[0];
      if (!sink.startsWith('@') && isPattern(sink)) context.report(['agents', agent, 'sinks', i], `"${sink}" is a pattern topic and cannot be a sink: ${why}`, { hint: 'declare the topic to write by its name' });
      else if (targetTopic !== undefined && isPattern(targetTopic) && (sink.startsWith('@') || !has(raw.topics, sink))) {
        context.report(['agents', agent, 'sinks', i], `agent ${sink.replace(/^@/, '')} reads pattern topic "${targetTopic}" and cannot be a sink: ${why}`, { hint: 'send to a topic declared by its name that the agent also reads' });
      }
    });
    const partitioned = entriesOf(raw.tables).filter(([, table]) => table?.global !== true).map(([name]) => name);
    const read: [ManifestPath, string][] = spec.topic !== undefined ? [[['agents', agent, 'topic'], spec.topic]] : (spec.topics ?? []).map((topic, i) => [['agents', agent, 'topics', i], topic]);
    for (const [path, topic] of read) {
      if (!isPattern(topic) || partitioned.length === 0) continue;
      context.report(path, `an agent cannot read pattern topic "${topic}" in an app with partitioned tables (${partitioned.join(', ')}): a table partition goes with the same partition of fixed source topics, and the topics a pattern matches come and go with their own partition counts`, {
        hint: 'make the tables global: true, or read named topics',
      });
    }
  }
  for (const [table, spec] of entriesOf(raw.tables)) {
    const sink = spec?.window?.sink;
    if (sink !== undefined && isPattern(sink)) context.report(['tables', table, 'window', 'sink'], `"${sink}" is a pattern topic and cannot be a window sink: ${why}`, { hint: 'declare the topic to write by its name' });
  }
}

/** Every cross-reference and consistency check. */
export function checkSemantics(raw: RawManifest, manifest: Manifest, models: ReadonlyMap<string, ValidateFunction>, context: CheckContext): void {
  checkAgentTopics(raw, context);
  checkAgentOptions(raw, context);
  checkPatternTopics(raw, context);
  checkChannels(raw, context);
  checkTypes(raw, context);
  checkTableDefaults(manifest, models, context);
  checkViews(raw, context);
  checkSettings(manifest, context);
}
