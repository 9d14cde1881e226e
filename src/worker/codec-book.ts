// Every topic's codecs, built once from the manifest: the conductor decodes with them and the
// outbox encodes with them. Internal topics (repartition: json values, and string keys as UTF-8
// like tables have them — see repartitionCodecs; dead letters and replies: raw bytes) get theirs
// when they are declared.

import type { RecordDecoder } from '../streams/index.js';
import { ModelRegistry, createTopicCodecs, decodeRecord, jsonCodec, rawCodec, stringCodec, type Codec, type CustomCodecs, type TopicCodecs } from '../models/index.js';
import type { Manifest, TypeReference } from '../manifest/index.js';
import { KEY_ENCODING_HEADER } from '../tables/index.js';

const RAW: TopicCodecs = { key: rawCodec('key'), value: rawCodec('value'), nullValues: true };
/** The header of a repartition record keyed by a string: one Buffer for every record (headers are never written to). */
const STRING_KEY_HEADER: Readonly<Record<string, Buffer>> = { [KEY_ENCODING_HEADER]: Buffer.from('string') };

/** Whether a repartition record's key-encoding header says `string`: compared in place, per record, with no string made. */
function isStringKeyed(header: Buffer | undefined): boolean {
  const expected = STRING_KEY_HEADER[KEY_ENCODING_HEADER]!;
  if (header === undefined || header.length !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (header[i] !== expected[i]) return false;
  return true;
}

/**
 * A groupBy key: a string as its UTF-8 bytes (as a `string` table key, so the record lands on the
 * partition a query of the table hashes to), any other value as JSON. Which of the two a record
 * holds is in its KEY_ENCODING_HEADER (see `keyHeaders`); the topic's decoder goes by it, and this
 * codec's own decode reads the header-less form, JSON.
 */
function repartitionKeyCodec(): Codec<unknown> {
  const utf8 = stringCodec('key');
  const json = jsonCodec('key');
  return {
    name: 'json',
    part: 'key',
    encode: (value) => (typeof value === 'string' ? utf8.encode(value) : json.encode(value)),
    decode: (bytes) => json.decode(bytes),
  };
}

function typeName(type: TypeReference): string {
  return type.name;
}

export class CodecBook {
  readonly models: ModelRegistry;
  readonly #codecs = new Map<string, TopicCodecs>();
  readonly #decoders = new Map<string, RecordDecoder>();
  readonly #repartitions = new Set<string>();
  /** The codecs of pattern topics: a topic without codecs of its own takes those of the first pattern it matches. */
  readonly #patterns: [RegExp, TopicCodecs][] = [];

  /** `codecs`: the manifest's custom codecs, loaded (a chain that names one needs it; ConfigError otherwise). */
  constructor(manifest: Manifest, codecs: CustomCodecs = new Map()) {
    this.models = new ModelRegistry(new Map([...manifest.models].map(([name, model]) => [name, model.schema])));
    for (const topic of manifest.topics.values()) {
      const topicCodecs = createTopicCodecs({
        keyType: typeName(topic.keyType),
        valueType: typeName(topic.valueType),
        keySerializer: topic.keySerializer,
        valueSerializer: topic.valueSerializer,
        keyByteCodecs: topic.keyByteCodecs,
        valueByteCodecs: topic.valueByteCodecs,
        models: this.models,
        customCodecs: codecs,
        nullValues: topic.acceptsNullValues,
      });
      if (topic.pattern === undefined) this.#codecs.set(topic.name, topicCodecs);
      else this.#patterns.push([topic.pattern, topicCodecs]);
    }
  }

  /** Declares an internal topic: a repartition topic (see repartitionKeyCodec, json values), or raw bytes. */
  declare(topic: string, kind: 'repartition' | 'raw'): void {
    if (this.#codecs.has(topic)) return;
    if (kind === 'raw') {
      this.#codecs.set(topic, RAW);
      return;
    }
    this.#repartitions.add(topic);
    // Null values pass: a groupBy forwards what its source topic let through.
    this.#codecs.set(topic, { key: repartitionKeyCodec(), value: jsonCodec('value'), nullValues: true });
    const legacy = createTopicCodecs({ keyType: 'json', valueType: 'json', models: this.models, nullValues: true });
    const stringKeyed: TopicCodecs = { key: stringCodec('key'), value: legacy.value, nullValues: true };
    // Header-less records: JSON keys (non-string keys, and every key streamd wrote before the header).
    this.#decoders.set(topic, (record) => decodeRecord(isStringKeyed(record.headers[KEY_ENCODING_HEADER]) ? stringKeyed : legacy, record));
  }

  /** Headers a record of `topic` keyed by `key` needs: a repartition record's key encoding. */
  keyHeaders(topic: string, key: unknown): Readonly<Record<string, Buffer>> | undefined {
    return typeof key === 'string' && this.#repartitions.has(topic) ? STRING_KEY_HEADER : undefined;
  }

  has(topic: string): boolean {
    return this.#codecs.has(topic);
  }

  /** The topic's codecs (or those of a pattern it matches); undeclared topics (e.g. another worker's reply topic) carry raw bytes. */
  codecs(topic: string): TopicCodecs {
    return this.#codecs.get(topic) ?? this.#patterns.find(([pattern]) => pattern.test(topic))?.[1] ?? RAW;
  }

  decoderFor(topic: string): RecordDecoder {
    let decoder = this.#decoders.get(topic);
    if (decoder === undefined) {
      const codecs = this.codecs(topic);
      decoder = (record) => decodeRecord(codecs, record);
      this.#decoders.set(topic, decoder);
    }
    return decoder;
  }
}
