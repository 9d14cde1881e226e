// A topic's (or table's) key and value codecs from its declared types and serializers, with Faust's
// defaults, and `decodeRecord` for the consumer path. Called at boot for each topic and table; the
// stream layer then calls `decodeRecord` once per record.

import { ConfigError } from '../errors/index.js';
import { DecodeError, nullValueError, type CheckFailure, type RecordPart, type RecordPosition } from './codec-errors.js';
import { chainCodec, resolveCodecChain } from './codec-chain.js';
import { jsonCodec, rawCodec, stringCodec, type Codec, type SerializerName, type ValueCheck } from './codecs.js';
import { customValueCodec, isValueCodec, type CustomCodecs } from './custom-codec.js';
import { PRIMITIVE_TYPE_NAMES, isPrimitiveType, type ModelRegistry, type PrimitiveTypeName } from './model-registry.js';

/** What a topic declares about its keys and values; every field is optional. */
export interface TopicCodecOptions {
  /** A primitive type name or a model name. Default `bytes` (Faust: keys are raw bytes). */
  readonly keyType?: string;
  /** A primitive type name or a model name. Default `json` (Faust: values are JSON). */
  readonly valueType?: string;
  /** A built-in serializer or a custom codec's name. Default: derived from `keyType` (see `defaultSerializer`). */
  readonly keySerializer?: string;
  /** A built-in serializer or a custom codec's name. Default: derived from `valueType` (see `defaultSerializer`). */
  readonly valueSerializer?: string;
  /** Byte codecs after the key serializer, in encoding order (`json|gzip` → `['gzip']`); built-in or custom. Default none. */
  readonly keyByteCodecs?: readonly string[];
  /** Byte codecs after the value serializer, in encoding order. Default none. */
  readonly valueByteCodecs?: readonly string[];
  /** The manifest's custom codecs (`codecs:`), loaded; needed when a chain names one. Default none. */
  readonly customCodecs?: CustomCodecs;
  /** Needed when a type names a model. */
  readonly models?: ModelRegistry;
  /** Default false: a record without a value (a tombstone) is a decode error (`null_value`) instead of an event with a null value. */
  readonly nullValues?: boolean;
}

/** The codecs of one topic. */
export interface TopicCodecs {
  readonly key: Codec<unknown>;
  readonly value: Codec<unknown>;
  /** Whether a record without a value decodes (to a null value); false when absent. */
  readonly nullValues?: boolean;
}

/** A record with its key and value decoded. */
export interface DecodedRecord {
  readonly key: unknown;
  readonly value: unknown;
}

/** The parts of a consumed record `decodeRecord` reads (a `ConsumerRecord` has them). */
export interface EncodedRecord extends RecordPosition {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

const typeFailure = (type: string): CheckFailure => ({ instancePath: '', keyword: 'type', message: `must be ${type}` });

/** The checks of the JSON-carried primitive types; their failures are built once, not per record. */
const PRIMITIVE_CHECKS: Readonly<Record<'string' | 'integer' | 'number' | 'boolean', ValueCheck>> = (() => {
  const failures = { string: typeFailure('string'), integer: typeFailure('integer'), number: typeFailure('number'), boolean: typeFailure('boolean') };
  return {
    string: { label: 'type string', check: (value) => (typeof value === 'string' ? undefined : failures.string) },
    integer: { label: 'type integer', check: (value) => (Number.isInteger(value) ? undefined : failures.integer) },
    number: { label: 'type number', check: (value) => (typeof value === 'number' && Number.isFinite(value) ? undefined : failures.number) },
    boolean: { label: 'type boolean', check: (value) => (typeof value === 'boolean' ? undefined : failures.boolean) },
  };
})();

/**
 * The serializer a type implies when none is given: `bytes` → `raw`, `string` → `string`, anything
 * else (numbers, booleans, `json`, models) → `json`. With the defaults types this gives Faust's
 * defaults: raw keys, JSON values.
 */
export function defaultSerializer(type: string): SerializerName {
  if (type === 'bytes') return 'raw';
  if (type === 'string') return 'string';
  return 'json';
}

/**
 * Why `type` cannot be carried by `serializer`, or `undefined` when it can. The rules:
 * `json` (any value) and `string` work with every serializer (`string` over raw bytes is UTF-8 text);
 * `bytes` needs `raw`; `integer`, `number`, `boolean` and models need `json`.
 */
export function serializerProblem(type: string, serializer: SerializerName): string | undefined {
  if (type === 'json' || type === 'string') return undefined;
  if (type === 'bytes') {
    return serializer === 'raw' ? undefined : `type bytes needs serializer raw, not ${serializer}; for JSON use type json (any value) or a model`;
  }
  if (serializer === 'json') return undefined;
  const what = isPrimitiveType(type) ? `type ${type}` : `model "${type}"`;
  return `${what} needs serializer json, not ${serializer}`;
}

function unknownType(part: RecordPart, type: string, models: ModelRegistry | undefined): ConfigError {
  const known = [...PRIMITIVE_TYPE_NAMES, ...(models?.names ?? [])].join(', ');
  return new ConfigError(`${part}Type "${type}" is neither a primitive type nor a declared model; known types: ${known}`);
}

function codecFor(part: RecordPart, type: string, serializer: string | undefined, options: TopicCodecOptions): Codec<unknown> {
  const models = options.models;
  const isModel = !isPrimitiveType(type);
  if (isModel && models?.has(type) !== true) throw unknownType(part, type, models);
  const custom = serializer === undefined ? undefined : options.customCodecs?.get(serializer);
  if (custom !== undefined && serializer !== undefined && isValueCodec(custom)) {
    // A custom serializer carries any value; the type still checks what it decodes and encodes.
    if (type === 'bytes') throw new ConfigError(`${part}Type/${part}Serializer: type bytes needs serializer raw, not ${serializer}; for values of any shape use type json or a model`);
    const check = isModel && models !== undefined ? models.check(type) : type === 'json' ? undefined : PRIMITIVE_CHECKS[type as keyof typeof PRIMITIVE_CHECKS];
    return customValueCodec(serializer, custom, part, check);
  }
  const chosen = (serializer ?? defaultSerializer(type)) as SerializerName;
  const problem = serializerProblem(type, chosen);
  if (problem !== undefined) throw new ConfigError(`${part}Type/${part}Serializer: ${problem}`);
  if (isModel && models !== undefined) return jsonCodec(part, models.check(type));
  const primitive = type as PrimitiveTypeName;
  if (chosen === 'raw') return primitive === 'string' ? stringCodec(part) : rawCodec(part);
  if (chosen === 'string') return stringCodec(part);
  return primitive === 'json' || primitive === 'bytes' ? jsonCodec(part) : jsonCodec(part, PRIMITIVE_CHECKS[primitive]);
}

/** One part's codec: its chain resolved against the custom codecs, the serializer, then the byte codecs. */
function partCodec(part: RecordPart, type: string, serializer: string | undefined, byteCodecs: readonly string[], options: TopicCodecOptions): Codec<unknown> {
  const custom = options.customCodecs ?? new Map();
  let chain = { serializer: serializer ?? defaultSerializer(type), byteCodecs };
  if (serializer !== undefined || byteCodecs.length > 0) {
    const resolved = resolveCodecChain(chain, custom);
    if ('problem' in resolved) throw new ConfigError(`${part}Serializer: ${resolved.problem}`);
    chain = resolved;
  }
  return chainCodec(codecFor(part, type, serializer === undefined ? undefined : chain.serializer, options), chain.byteCodecs, custom);
}

/**
 * The key and value codecs of a topic. Defaults follow Faust: keys `bytes` over `raw`, values `json`
 * over `json`; a type without a serializer implies one (`defaultSerializer`); a type naming a model
 * means JSON checked against the model's schema. Throws `ConfigError` for an unknown type or a type
 * its serializer cannot carry (`serializerProblem`), and for a chain whose custom codecs are out of
 * place or not loaded (`resolveCodecChain`). Build once per topic, not per record.
 */
export function createTopicCodecs(options: TopicCodecOptions = {}): TopicCodecs {
  return {
    key: partCodec('key', options.keyType ?? 'bytes', options.keySerializer, options.keyByteCodecs ?? [], options),
    value: partCodec('value', options.valueType ?? 'json', options.valueSerializer, options.valueByteCodecs ?? [], options),
    nullValues: options.nullValues ?? false,
  };
}

/**
 * Decodes a consumed record's key, then its value. A `DecodeError` comes back with the record's
 * `topic/partition@offset` in its message and `record` field; other errors pass through. A record
 * without a value is a `null_value` DecodeError unless the codecs accept null values.
 */
export function decodeRecord(codecs: TopicCodecs, record: EncodedRecord): DecodedRecord {
  try {
    if (record.value === null && codecs.nullValues !== true) throw nullValueError();
    return { key: codecs.key.decode(record.key), value: codecs.value.decode(record.value) };
  } catch (error) {
    throw error instanceof DecodeError ? error.at(record) : error;
  }
}
