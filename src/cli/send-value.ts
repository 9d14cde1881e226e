// How `streamd send` turns command-line text into a key or value, and (straight to Kafka) into bytes:
// text is parsed as JSON when it parses, else taken as a string, except for `string` and `bytes`
// types, which take the text as it is. The topic's serializer then encodes it. Pure.

import type { Manifest, TopicDeclaration, TypeReference } from '../manifest/index.js';
import { createModelAjv } from '../manifest/index.js';
import { hasCode } from '../errors/index.js';
import { chainCodec, customValueCodec, isValueCodec, rawCodec, resolveCodecChain, type CustomCodecs, type RecordPart } from '../models/index.js';
import { CliError, CliUsageError, EXIT_USAGE } from './cli-io.js';

/** Where a send goes: the topic, and its declaration when the manifest has one. */
export interface SendTarget {
  /** As typed: a topic or `@agent`. */
  readonly target: string;
  /** The topic the message lands on (an agent's first topic for `@agent`). */
  readonly topic: string;
  readonly declaration?: TopicDeclaration;
}

/** Resolves `topic` or `@agent` against the manifest. An unknown agent is a usage error; an undeclared topic is allowed. */
export function resolveSendTarget(manifest: Manifest, target: string): SendTarget {
  if (target.startsWith('@')) {
    const agent = manifest.agents.get(target.slice(1));
    if (agent === undefined) {
      const known = [...manifest.agents.keys()].map((name) => `@${name}`);
      throw new CliUsageError(`no agent "${target}" in the manifest; ${known.length === 0 ? 'it declares no agents' : `agents: ${known.join(', ')}`}`);
    }
    const topic = agent.topics[0];
    if (topic === undefined) {
      throw new CliUsageError(`agent "${target}" reads channel "${agent.channel ?? '?'}", which lives inside a worker: send to it from a handler (channels.${agent.channel ?? '?'}.send(value))`);
    }
    return { ...resolveSendTarget(manifest, topic), target };
  }
  const named = manifest.topics.get(target);
  if (named?.pattern !== undefined) throw new CliUsageError(`"${target}" is a topic pattern (${named.pattern.source}): send to one of the topics it matches, by its name`);
  // A topic a pattern matches is written with the pattern's codecs.
  const declaration = named ?? [...manifest.topics.values()].find((t) => t.pattern?.test(target));
  return declaration === undefined ? { target, topic: target } : { target, topic: target, declaration };
}

/** The value `text` stands for: the text itself for `string`/`bytes`, else its JSON when it parses, else the text. */
export function interpretText(text: string, type: TypeReference | undefined): unknown {
  if (type?.kind === 'builtin' && (type.name === 'string' || type.name === 'bytes')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Bytes for a record part: `json` writes JSON; `string` and `raw` write a string as is, anything else as
 * JSON; a custom serializer (kind 'value') encodes the value itself; then the topic's byte codecs, built-in
 * or custom (`json|gzip` gzips the JSON text). A codec that throws, or a chain whose custom codecs are out
 * of place, is STREAMD_ENCODE (exit 2).
 */
export function encodePart(value: unknown, serializer: string, byteCodecs: readonly string[] = [], custom: CustomCodecs = new Map(), part: RecordPart = 'value'): Buffer {
  const chain = resolveCodecChain({ serializer, byteCodecs }, custom);
  if ('problem' in chain) throw new CliError('STREAMD_ENCODE', `cannot encode ${part}: ${chain.problem}`, EXIT_USAGE);
  const codec = custom.get(chain.serializer);
  try {
    if (codec !== undefined && isValueCodec(codec)) return chainCodec(customValueCodec(chain.serializer, codec, part), chain.byteCodecs, custom).encode(value)!;
    const bytes = chain.serializer !== 'json' && typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
    return chainCodec(rawCodec(part), chain.byteCodecs, custom).encode(bytes) ?? bytes;
  } catch (error) {
    if (!hasCode(error, 'STREAMD_ENCODE')) throw error;
    throw new CliError('STREAMD_ENCODE', error instanceof Error ? error.message : String(error), EXIT_USAGE, { cause: error });
  }
}

const BUILTIN_CHECKS: Readonly<Record<string, (value: unknown) => boolean>> = {
  string: (value) => typeof value === 'string',
  bytes: (value) => typeof value === 'string',
  integer: (value) => Number.isSafeInteger(value),
  number: (value) => typeof value === 'number' && Number.isFinite(value),
  boolean: (value) => typeof value === 'boolean',
  json: () => true,
};

/** Throws STREAMD_ENCODE (exit 2) when `value` is not of `type`: a builtin, or a model's JSON Schema. */
export function checkValue(value: unknown, type: TypeReference, manifest: Manifest, what: string): void {
  if (type.kind === 'builtin') {
    if (BUILTIN_CHECKS[type.name]?.(value) === false) {
      throw new CliError('STREAMD_ENCODE', `${what} ${JSON.stringify(value)} is not of type ${type.name}`, EXIT_USAGE);
    }
    return;
  }
  const model = manifest.models.get(type.name);
  if (model === undefined) return;
  const validate = createModelAjv().compile(model.schema);
  if (!validate(value)) {
    const first = validate.errors?.[0];
    const where = first === undefined || first.instancePath === '' ? '' : `${first.instancePath} `;
    throw new CliError('STREAMD_ENCODE', `${what} does not fit model "${type.name}": ${where}${first?.message ?? 'is not valid'}`, EXIT_USAGE);
  }
}
