// Every topic's codecs, built once from the manifest: the conductor decodes with them and the
// outbox encodes with them. Internal topics (repartition: json keys and values; dead letters and
// replies: raw bytes) get theirs when they are declared.

import type { RecordDecoder } from '../streams/index.js';
import { ModelRegistry, createTopicCodecs, decodeRecord, rawCodec, type TopicCodecs } from '../models/index.js';
import type { Manifest, TypeReference } from '../manifest/index.js';

const RAW: TopicCodecs = { key: rawCodec('key'), value: rawCodec('value') };

function typeName(type: TypeReference): string {
  return type.name;
}

export class CodecBook {
  readonly models: ModelRegistry;
  readonly #codecs = new Map<string, TopicCodecs>();
  readonly #decoders = new Map<string, RecordDecoder>();

  constructor(manifest: Manifest) {
    this.models = new ModelRegistry(new Map([...manifest.models].map(([name, model]) => [name, model.schema])));
    for (const topic of manifest.topics.values()) {
      this.#codecs.set(
        topic.name,
        createTopicCodecs({
          keyType: typeName(topic.keyType),
          valueType: typeName(topic.valueType),
          keySerializer: topic.keySerializer,
          valueSerializer: topic.valueSerializer,
          models: this.models,
        }),
      );
    }
  }

  /** Declares an internal topic: json keys and values (repartition), or raw bytes. */
  declare(topic: string, kind: 'json' | 'raw'): void {
    if (this.#codecs.has(topic)) return;
    this.#codecs.set(topic, kind === 'raw' ? RAW : createTopicCodecs({ keyType: 'json', valueType: 'json', models: this.models }));
  }

  has(topic: string): boolean {
    return this.#codecs.has(topic);
  }

  /** The topic's codecs; undeclared topics (e.g. another worker's reply topic) carry raw bytes. */
  codecs(topic: string): TopicCodecs {
    return this.#codecs.get(topic) ?? RAW;
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
