// The record batch decoder that reads each record in place (record-batch-decoder.ts) must return what
// kafkajs 2.2.4's batch decoder returns, for uncompressed and compressed batches, and leave the fetch
// decoder where kafkajs's left it (past the batch); a batch cut short by the fetch's size throws
// kafkajs's partial-message error, which kafkajs's fetch decoding takes as the end of the records.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { kafkajsOriginals } from '../../../../src/kafka/drivers/kafkajs/wire-patches.js';
import type { ProduceMessage, ProduceRequestInput } from '../../../../src/kafka/drivers/kafkajs/produce-request.js';
import '../../../../src/kafka/drivers/kafkajs/kafkajs.js';

interface FetchDecoder {
  offset: number;
}
type BatchDecoder = (decoder: FetchDecoder) => Promise<Record<string, unknown>>;

const require = createRequire(import.meta.url);
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => FetchDecoder;
const ours = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as BatchDecoder;
/** A produce request's first batch, for topic `t` (see wire-patches.test.ts): past 27 bytes of request. */
const REQUEST_HEAD = 27;

const message = (i: number): ProduceMessage => ({
  key: i % 5 === 0 ? null : Buffer.from(`k-${String(i).padStart(7, '0')}`),
  value: i % 7 === 0 ? null : Buffer.from(JSON.stringify({ n: i })),
  timestamp: String(1_765_000_000_000 + i),
  headers: i % 3 === 0 ? { 'streamd-key-encoding': Buffer.from('string'), 'streamd-positions': Buffer.from(`p${i}`) } : { 'streamd-key-encoding': Buffer.from('string') },
});

/** Two record batches back to back (as a fetch answers them), encoded by kafkajs with `compression`. */
async function twoBatches(compression: number): Promise<Buffer> {
  assert.ok(kafkajsOriginals !== undefined, 'the patches were installed (kafkajs loaded after them)');
  const encode = async (messages: ProduceMessage[]): Promise<Buffer> => {
    const input: ProduceRequestInput & { compression: number } = { acks: 1, timeout: 1000, compression, topicData: [{ topic: 't', partitions: [{ partition: 0, messages }] }] };
    const encoder = (await kafkajsOriginals!.produceRequestV3(input).encode()) as { buffer: Buffer };
    return encoder.buffer.subarray(REQUEST_HEAD);
  };
  return Buffer.concat([await encode(Array.from({ length: 300 }, (_, i) => message(i))), await encode([message(1000), message(1001)])]);
}

describe('record batch decoder, records read in place', () => {
  for (const [name, compression] of [['uncompressed', 0], ['gzip', 1]] as const) {
    it(`decodes ${name} batches as kafkajs does and moves the fetch decoder past each`, async () => {
      const theirs = kafkajsOriginals!.decodeRecordBatch as BatchDecoder;
      const bytes = await twoBatches(compression);
      const mine = new Decoder(bytes);
      const kafkajs = new Decoder(bytes);
      for (let batch = 0; batch < 2; batch++) {
        const expected = await theirs(kafkajs);
        assert.deepEqual(await ours(mine), expected, `batch ${batch}`);
        assert.equal(mine.offset, kafkajs.offset);
        assert.equal((expected['records'] as unknown[]).length, batch === 0 ? 300 : 2);
      }
      assert.equal(mine.offset, bytes.length);
    });
  }

  it('throws kafkajs\'s partial-message error for a batch the fetch cut short', async () => {
    const bytes = await twoBatches(0);
    await assert.rejects(ours(new Decoder(bytes.subarray(0, 200))), { name: 'KafkaJSPartialMessageError' });
  });
});
