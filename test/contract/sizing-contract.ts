// Contract: produce sizing by bytes. A send of several MB to one partition succeeds (the driver
// splits it under the topic's max.message.bytes); a record no batch can carry rejects with
// STREAMD_RECORD_TOO_LARGE before anything is sent, and the producer goes on working. Registered
// by driver-contract.ts.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { recordBytes, type ProducerRecord } from '../../src/kafka/index.js';
import { TEST_TIMEOUT_MS } from './contract-fixture.js';
import type { ContractContext } from './contract-fixture.js';

/** Kafka's default max.message.bytes; a test topic sets it explicitly so both drivers agree. */
const LIMIT = 1_048_588;

export function sizingContract(ctx: ContractContext): void {
  void it('sends 6 MB to one partition in one call, in order, under the default max.message.bytes', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await ctx.createTopic('sizing', 2);
    const producer = await ctx.producer();
    // 3,000 records of ~2 KB with a 250-byte header each: the shape of a big changelog flush.
    const records: ProducerRecord[] = Array.from({ length: 3_000 }, (_, i) => ({
      topic,
      partition: 1,
      key: Buffer.from(`key-${i}`),
      value: Buffer.alloc(2_000, i % 251),
      headers: { 'streamd-positions': Buffer.alloc(250, 0x61) },
    }));
    const total = records.reduce((sum, r) => sum + recordBytes(r), 0);
    assert.ok(total > 6 * LIMIT, `the send carries ${total} bytes, several times the limit`);
    const sent = await producer.send(records);
    assert.deepEqual(
      sent.map((m) => m.offset),
      records.map((_, i) => BigInt(i)),
      'every record landed on partition 1 in call order',
    );
    assert.ok(sent.every((m) => m.partition === 1 && m.topic === topic));
    const [, end] = await (await ctx.admin()).offsets(topic);
    assert.equal(end?.latest, 3_000n);
  });

  void it('sends a record just under the limit, alone and with others', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await ctx.createTopic('sizing-near', 1, { 'max.message.bytes': String(LIMIT) });
    const producer = await ctx.producer();
    const limit = await producer.maxRecordBytes(topic);
    assert.ok(limit > 1_000_000 && limit < LIMIT, `the record limit ${limit} is the topic's limit less a batch header`);
    const near = { topic, key: Buffer.from('near'), value: Buffer.alloc(1_000_000, 1) };
    const small = { topic, key: Buffer.from('small'), value: Buffer.from('x') };
    const sent = await producer.send([small, near, small, near]);
    assert.deepEqual(sent.map((m) => m.offset), [0n, 1n, 2n, 3n]);
  });

  void it('rejects a record over the limit with STREAMD_RECORD_TOO_LARGE, sends none of its call, and keeps working', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await ctx.createTopic('sizing-over', 1, { 'max.message.bytes': String(LIMIT) });
    const producer = await ctx.producer();
    const over = { topic, key: Buffer.from('big'), value: Buffer.alloc(LIMIT, 2) };
    const small = { topic, key: Buffer.from('small'), value: Buffer.from('x') };
    await assert.rejects(producer.send([small, over]), (err: { code?: string; message?: string }) => {
      assert.equal(err.code, 'STREAMD_RECORD_TOO_LARGE');
      assert.match(err.message ?? '', new RegExp(`${topic}.*"big".*max\\.message\\.bytes`));
      return true;
    });
    assert.equal((await (await ctx.admin()).offsets(topic))[0]?.latest, 0n, 'nothing of the refused call was sent');
    assert.deepEqual((await producer.send([small])).map((m) => m.offset), [0n], 'the producer still sends');
  });

  void it('takes the limit from the topic: a topic with a larger max.message.bytes accepts a 2 MB record', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await ctx.createTopic('sizing-large', 1, { 'max.message.bytes': String(4 * LIMIT) });
    const producer = await ctx.producer();
    assert.ok((await producer.maxRecordBytes(topic)) > 4 * 1_000_000);
    const sent = await producer.send([{ topic, key: Buffer.from('two-mb'), value: Buffer.alloc(2_000_000, 3) }]);
    assert.deepEqual(sent.map((m) => m.offset), [0n]);
  });
}
