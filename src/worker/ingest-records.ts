// The records of an ingest request (`POST /topics/:topic/messages`, `streamd send` to a daemon):
// the target topic (`@agent` is the agent's first topic), a partition the topic has, and keys and
// values encoded by the topic's codecs. Pure; Worker.ingest sends what it returns.

import { KafkaError } from '../errors/index.js';
import type { Headers, ProducerRecord } from '../kafka/index.js';
import type { Manifest } from '../manifest/index.js';
import type { CodecBook } from './codec-book.js';
import type { IngestMessage } from './types.js';

/** Header values as the producer takes them (strings become UTF-8 bytes); `extra` goes over `headers`, in one new object. */
export function toHeaders(headers: Readonly<Record<string, string | Buffer>> | undefined, extra?: Readonly<Record<string, Buffer>>): Headers | undefined {
  if (headers === undefined && extra === undefined) return undefined;
  const out: Record<string, Buffer> = {};
  for (const name in headers) {
    const value = headers[name]!;
    out[name] = typeof value === 'string' ? Buffer.from(value) : value;
  }
  for (const name in extra) out[name] = extra[name]!;
  return out;
}

/** The declared topic `topic` names (`@agent`: that agent's topic); STREAMD_UNKNOWN_TOPIC otherwise. */
function resolveTopic(manifest: Manifest, topic: string): string {
  if (topic.startsWith('@')) {
    const agent = manifest.agents.get(topic.slice(1));
    if (agent?.topics[0] === undefined) throw new KafkaError(`no agent named "${topic.slice(1)}"`, { code: 'STREAMD_UNKNOWN_TOPIC' });
    return resolveTopic(manifest, agent.topics[0]);
  }
  if (!manifest.topics.has(topic)) throw new KafkaError(`"${topic}" is not a topic the manifest declares`, { code: 'STREAMD_UNKNOWN_TOPIC' });
  const pattern = manifest.topics.get(topic)?.pattern;
  if (pattern !== undefined) throw new KafkaError(`"${topic}" is a topic pattern (${pattern.source}), which streamd only reads: send to a topic declared by its name`, { code: 'STREAMD_UNKNOWN_TOPIC' });
  return topic;
}

/**
 * The records to produce for `messages` sent to `topic`. Throws STREAMD_UNKNOWN_TOPIC, STREAMD_BAD_PARTITION
 * (a partition past `partitionsOf`'s count; not checked while the count is unknown), STREAMD_NULL_VALUE (a
 * null value for a topic without nullValues) or STREAMD_ENCODE.
 */
export function ingestRecords(
  input: { readonly manifest: Manifest; readonly book: CodecBook; readonly partitionsOf: ReadonlyMap<string, number> },
  topic: string,
  messages: readonly IngestMessage[],
): { readonly target: string; readonly records: ProducerRecord[] } {
  const target = resolveTopic(input.manifest, topic);
  const codecs = input.book.codecs(target);
  const partitions = input.partitionsOf.get(target);
  const outside = messages.find((m) => m.partition !== undefined && partitions !== undefined && m.partition >= partitions);
  if (outside !== undefined) {
    throw new KafkaError(`topic ${target} has ${partitions} partitions (0 to ${partitions! - 1}); there is no partition ${outside.partition}`, { code: 'STREAMD_BAD_PARTITION' });
  }
  const nullValue = messages.findIndex((m) => m.value === null);
  if (nullValue >= 0 && codecs.nullValues !== true) {
    throw new KafkaError(
      `message ${nullValue} has a null value, and topic ${target} takes none (nullValues: false): its agents would skip it as a decode error; ` +
        'send a value, or set nullValues: true on the topic to send tombstones',
      { code: 'STREAMD_NULL_VALUE' },
    );
  }
  // Ingest comes as JSON text: raw (bytes) keys and values are given as strings. A null value is a
  // tombstone (a record without a value), for a topic whose agents take them. The codec's name is its
  // chain's serializer as resolved (a custom byte codec alone, `rot13`, is `raw|rot13`).
  const bytes = (value: unknown, serializer: string): unknown => (serializer === 'raw' && typeof value === 'string' ? Buffer.from(value) : value);
  const records = messages.map((m) => ({
    topic: target,
    key: m.key === undefined || m.key === null ? null : codecs.key.encode(bytes(m.key, codecs.key.name)),
    value: m.value === null ? null : codecs.value.encode(bytes(m.value, codecs.value.name)),
    ...(m.partition === undefined ? {} : { partition: m.partition }),
    ...(m.headers === undefined ? {} : { headers: toHeaders(m.headers)! }),
  }));
  return { target, records };
}
