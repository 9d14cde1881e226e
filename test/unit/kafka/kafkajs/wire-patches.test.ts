// The kafkajs wire pieces streamd replaces (wire-patches.ts): the Produce request encoded in one
// buffer must carry the bytes kafkajs's own encoding does, CRC32C included; the per-partition grouping
// must keep each partition's messages in input order; the record decoder must return what kafkajs's does.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { crc32c } from '../../../../src/kafka/drivers/kafkajs/crc32c.js';
import { kafkajsOriginals } from '../../../../src/kafka/drivers/kafkajs/wire-patches.js';
import { decodeRecord, type BatchContext, type RecordBytes } from '../../../../src/kafka/drivers/kafkajs/record-decoder.js';
import { encodeProduceRequest, type ProduceMessage, type ProduceRequestInput } from '../../../../src/kafka/drivers/kafkajs/produce-request.js';
import '../../../../src/kafka/drivers/kafkajs/kafkajs.js';

const require = createRequire(import.meta.url);
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (buffer: Buffer) => number;
const Long = require('kafkajs/src/utils/long.js') as { fromString(text: string): { getHighBits(): number; getLowBits(): number } };
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => unknown;
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (decoder: unknown) => Promise<{ firstTimestamp: string; records: { timestamp: string; key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer | Buffer[]> }[] }>;

async function kafkajsBytes(input: ProduceRequestInput): Promise<Buffer> {
  assert.ok(kafkajsOriginals !== undefined, 'the patches were installed (kafkajs loaded after them)');
  const encoder = (await kafkajsOriginals.produceRequestV3({ ...input, compression: 0 }).encode()) as { buffer: Buffer };
  return encoder.buffer;
}

const message = (i: number, extra: Partial<ProduceMessage> = {}): ProduceMessage => ({
  key: i % 4 === 0 ? null : Buffer.from(`user-${i}`),
  value: Buffer.from(JSON.stringify({ user: `user-${i}`, page: `/p/${i % 7}`, seq: i })),
  timestamp: String(1_765_000_000_000 + ((i * 7919) % 5000)),
  ...extra,
});

describe('kafkajs produce request, encoded in one buffer', () => {
  it('writes the bytes kafkajs writes: several topics and partitions, null keys, headers, an idempotent producer', async () => {
    const input: ProduceRequestInput = {
      acks: -1,
      timeout: 30_000,
      producerId: Long.fromString('4711'),
      producerEpoch: 3,
      topicData: [
        {
          topic: 'app-b4-by-user-repartition',
          partitions: [
            { partition: 0, firstSequence: 12, messages: Array.from({ length: 300 }, (_, i) => message(i, i % 2 === 0 ? { headers: { 'streamd-origin': Buffer.from(`views\u00000\u0000${i}`) } } : {})) },
            { partition: 3, firstSequence: 0, messages: [message(1, { headers: { a: 'text', b: [Buffer.from('x'), 'ÿ'] } }), message(2, { value: null })] },
          ],
        },
        { topic: 'ünïcødé', partitions: [{ partition: 1, messages: [message(5, { key: 'a string key', value: 'a string value' })] }] },
      ],
    };
    assert.deepEqual(encodeProduceRequest(input), await kafkajsBytes(input));
  });

  it('writes the bytes kafkajs writes for a producer id held as a string (as InitProducerId answers it) and for none', async () => {
    for (const producerId of ['123456789012', undefined]) {
      const input: ProduceRequestInput = { acks: -1, timeout: 1000, ...(producerId === undefined ? {} : { producerId }), producerEpoch: 1, topicData: [{ topic: 't', partitions: [{ partition: 0, firstSequence: 7, messages: [message(1), message(2)] }] }] };
      assert.deepEqual(encodeProduceRequest(input), await kafkajsBytes(input), `producer id ${String(producerId)}`);
    }
  });

  it('writes the bytes kafkajs writes for a transactional producer', async () => {
    const input: ProduceRequestInput = {
      acks: -1,
      timeout: 5000,
      transactionalId: 'streamd-app-0_1',
      producerId: Long.fromString('9007199254740993'),
      producerEpoch: 0,
      topicData: [{ topic: 'out', partitions: [{ partition: 2, firstSequence: 2_000_000, messages: [message(1), message(2), message(3)] }] }],
    };
    assert.deepEqual(encodeProduceRequest(input), await kafkajsBytes(input));
  });

  it('stamps records sent without a timestamp with the clock, and keeps a given one', async () => {
    const now = 1_765_000_123_456;
    const input: ProduceRequestInput = { acks: 1, timeout: 1000, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: null, value: Buffer.from('a') }, { key: null, value: Buffer.from('b'), timestamp: '1000' }] }] }] };
    const bytes = encodeProduceRequest(input, now);
    // transactional id (2), acks (2), timeout (4), topics (4), "t" (2 + 1), partitions (4), partition (4), size (4)
    const batch = await decodeBatch(new Decoder(bytes.subarray(27)));
    assert.deepEqual(batch.records.map((r) => [r.value?.toString(), r.timestamp]), [['a', String(now)], ['b', '1000']]);
  });
});

describe('CRC32C', () => {
  it('agrees with kafkajs on buffers of every length up to 70 bytes and on a large one', () => {
    for (let length = 0; length <= 70; length++) {
      const bytes = randomBytes(length);
      assert.equal(crc32c(bytes), kafkajsCrc32c(bytes), `length ${length}`);
    }
    const large = randomBytes(300_001);
    assert.equal(crc32c(large, 5, 300_000), kafkajsCrc32c(large.subarray(5, 300_000)));
  });

  it('gives the standard check value of "123456789"', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  });
});

describe('record decoder', () => {
  it('decodes what kafkajs\'s decoder does: keys, null values, repeated and null headers, offsets and timestamps past 2^53', () => {
    assert.ok(kafkajsOriginals !== undefined);
    const kafkajsDecode = kafkajsOriginals.decodeRecord as (decoder: unknown, context: BatchContext) => unknown;
    const messages: ProduceMessage[] = [
      message(1, { headers: { 'streamd-origin': Buffer.from('views\u00003\u0000123'), 'streamd-key-encoding': Buffer.from('string') } }),
      message(2, { key: null, value: null, headers: { a: [Buffer.from('1'), Buffer.from('2'), Buffer.from('3')], b: null } }),
      message(3, { value: Buffer.alloc(20_000, 7), timestamp: '1' }),
      // Against the record before it at each header position: a value of another length, the same
      // length but other bytes, the same bytes again, and a name of the same length.
      message(4, { headers: { 'streamd-origin': Buffer.from('views\u00003\u0000124'), 'streamd-key-encoding': Buffer.from('json') } }),
      message(5, { headers: { 'streamd-origin': Buffer.from('views\u00003\u0000124'), 'streamd-key-encoding': Buffer.from('raw'), c: Buffer.from('1') } }),
      message(6, { headers: { 'streamd-origiN': Buffer.from('views\u00003\u0000124'), 'streamd-key-encoding': Buffer.from('rav'), c: Buffer.alloc(100, 1) } }),
    ];
    const bytes = encodeProduceRequest({ acks: 1, timeout: 1000, topicData: [{ topic: 't', partitions: [{ partition: 0, messages }] }] });
    // Past the request (27 bytes) and the batch header (61): the records, each a varint length and its bytes.
    let offset = 27 + 61;
    const contexts: BatchContext[] = [
      { firstOffset: '42', firstTimestamp: '1', maxTimestamp: '1765000004999', magicByte: 2, timestampType: 0 },
      { firstOffset: '9007199254740990', firstTimestamp: '9007199254740000', maxTimestamp: '9007199254749999', magicByte: 2, isControlBatch: true, timestampType: 0 },
      { firstOffset: '0', firstTimestamp: '1', maxTimestamp: '1765000009999', magicByte: 2, timestampType: 1 },
    ];
    for (let i = 0; i < messages.length; i++) {
      const lengthReader = new Decoder(bytes.subarray(offset)) as { readVarInt(): number; offset: number };
      const length = lengthReader.readVarInt();
      const start = offset + lengthReader.offset;
      const record = bytes.subarray(start, start + length);
      offset = start + length;
      for (const context of contexts) {
        const ours: RecordBytes = { buffer: record, offset: 0 };
        const theirs = new Decoder(record);
        assert.deepEqual(decodeRecord(ours, context), kafkajsDecode(theirs, context), `record ${i}, context ${JSON.stringify(context)}`);
        assert.equal(ours.offset, (theirs as { offset: number }).offset, 'both read the whole record');
      }
    }
  });

  it('gives every record without headers the same frozen headers object, and a record with headers its own', () => {
    const messages = [message(1), message(2), message(3, { headers: { a: Buffer.from('1') } })];
    const bytes = encodeProduceRequest({ acks: 1, timeout: 1000, topicData: [{ topic: 't', partitions: [{ partition: 0, messages }] }] });
    const source: RecordBytes = { buffer: bytes, offset: 27 + 61 };
    const decoded = messages.map(() => {
      const lengthReader = new Decoder(bytes.subarray(source.offset)) as { readVarInt(): number; offset: number };
      lengthReader.readVarInt();
      source.offset += lengthReader.offset;
      return decodeRecord(source, { firstOffset: '0', firstTimestamp: '1', magicByte: 2 });
    });
    const [first, second, third] = decoded.map((r) => r.headers);
    assert.equal(first, second, 'one object for both header-less records');
    assert.ok(Object.isFrozen(first) && Object.keys(first!).length === 0);
    assert.deepEqual(third, { a: Buffer.from('1') });
    assert.deepEqual(decoded.map((r) => r.offset), ['0', '1', '2'], 'each record was read whole');
  });
});
