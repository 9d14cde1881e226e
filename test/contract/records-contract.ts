// Contract: producing and consuming — per-partition order, offsets, the record round trip, and
// key → partition as Java's producer picks it. Registered by driver-contract.ts.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ConsumerRecord, ProducerRecord, RecordMetadata } from '../../src/kafka/index.js';
import { collectRecords } from '../helpers/collect.js';
import { uniqueName } from '../helpers/unique-name.js';
import { javaPartitionsForKeys } from '../kafka/java-partitioner.js';
import type { ContractContext } from './contract-fixture.js';
import { bytes, DELIVERY_TIMEOUT_MS, TEST_TIMEOUT_MS } from './contract-fixture.js';

/**
 * Keys and the partition (of 7) that Kafka 3.9.1's Java producer picks for them, computed with
 * `Utils.toPositive(Utils.murmur2(key)) % 7` from kafka-clients-3.9.1.jar (keys UTF-8 encoded).
 */
const JAVA_PARTITIONS_OF_7: readonly (readonly [string, number])[] = [
  ['key-0', 0],
  ['user-42', 1],
  ['hello world', 2],
  ['', 2],
  ['order-12345', 3],
  ['21', 3],
  ['abc', 4],
  ['a', 5],
  ['key-1', 5],
  ['ünïcødé', 6],
];

const RECORDS_PER_PARTITION = 12;

export function recordContract(ctx: ContractContext): void {
  void it('delivers each partition in send order with contiguous offsets from 0 that match what send returned', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await ctx.createTopic('order', 3);
    const producer = await ctx.producer();
    const sent = roundTripRecords(topic, Date.now() - 60_000);
    const half = Math.floor(sent.length / 2);
    const sentAt = Date.now();
    const metadata = [...(await producer.send(sent.slice(0, half))), ...(await producer.send(sent.slice(half)))];
    const sentUntil = Date.now();

    assert.equal(metadata.length, sent.length, 'send returns one RecordMetadata per record');
    assert.deepEqual(
      metadata.map((m) => `${m.topic}/${m.partition}`),
      sent.map((r) => `${r.topic}/${r.partition}`),
      'send returns each record where it was sent, in input order',
    );
    for (let partition = 0; partition < 3; partition++) {
      assert.deepEqual(
        metadata.filter((m) => m.partition === partition).map((m) => m.offset),
        range(0, RECORDS_PER_PARTITION),
        `offsets returned by send for partition ${partition}`,
      );
    }

    const collector = await collectRecords(await ctx.consumer({ groupId: uniqueName('order') }), [topic]);
    await collector.untilCount(sent.length, { timeoutMs: DELIVERY_TIMEOUT_MS });
    assert.deepEqual(collector.violations, []);

    for (let partition = 0; partition < 3; partition++) {
      const received = collector.recordsOf(topic, partition);
      const expected = sent.flatMap((record, i) => (record.partition === partition ? [{ record, meta: metadata[i]! }] : []));
      assert.deepEqual(received.map((r) => r.offset), range(0, RECORDS_PER_PARTITION), `consumed offsets of partition ${partition}`);
      assert.deepEqual(
        received.map((r, i) => receivedView(r, expected[i]?.record ?? { topic, value: null })),
        expected.map(({ record, meta }) => sentView(record, meta)),
        `records of partition ${partition} survive the round trip in order`,
      );
      for (const [i, { record }] of expected.entries()) {
        const consumed = received[i]!;
        if (record.timestamp === undefined) {
          assert.ok(
            consumed.timestamp >= sentAt && consumed.timestamp <= sentUntil,
            `a record sent without a timestamp gets the producer's clock: ${consumed.timestamp} not in [${sentAt}, ${sentUntil}]`,
          );
        }
      }
    }
    assert.equal(collector.records.length, sent.length, 'no record is delivered twice');
  });

  void it('appends the records of concurrent sends to a partition in the order the sends were called', { timeout: TEST_TIMEOUT_MS }, async () => {
    // The buffered producer keeps several sends in flight; a repartition topic must still hold each
    // upstream partition's records in upstream order (table positions rely on it). The first sends
    // to a new topic are the ones at risk: they wait for its metadata.
    const topics = [await ctx.createTopic('call-order-a', 2), await ctx.createTopic('call-order-b', 2)];
    const producer = await ctx.producer();
    const sends = 8;
    const perSend = 250;
    const calls = Array.from({ length: sends }, (_, call) =>
      producer.send(Array.from({ length: perSend }, (_, i) => {
        const n = call * perSend + i;
        return { topic: topics[n % 2]!, partition: Math.floor(n / 2) % 2, value: Buffer.from(String(n)) };
      })));
    const metadata = (await Promise.all(calls)).flat();
    for (const topic of topics) {
      for (let partition = 0; partition < 2; partition++) {
        const offsets = metadata.filter((m) => m.topic === topic && m.partition === partition).map((m) => m.offset);
        assert.deepEqual(offsets, range(0, (sends * perSend) / 4), `offsets of ${topic}/${partition}, in call order`);
      }
    }
  });

  void it('puts a keyed record on the partition Java\'s producer picks for known keys', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await ctx.createTopic('known-keys', 7);
    const producer = await ctx.producer();
    const metadata = await producer.send(JAVA_PARTITIONS_OF_7.map(([key]) => ({ topic, key: Buffer.from(key), value: Buffer.from(key) })));
    assert.deepEqual(
      metadata.map((m, i) => [JAVA_PARTITIONS_OF_7[i]![0], m.partition]),
      JAVA_PARTITIONS_OF_7.map(([key, partition]) => [key, partition]),
      'partitions returned by send',
    );

    const collector = await collectRecords(await ctx.consumer({ groupId: uniqueName('known-keys') }), [topic]);
    await collector.untilCount(JAVA_PARTITIONS_OF_7.length, { timeoutMs: DELIVERY_TIMEOUT_MS });
    const landed = new Map(collector.records.map((r) => [r.value?.toString('utf8'), r.partition]));
    assert.deepEqual(
      JAVA_PARTITIONS_OF_7.map(([key]) => [key, landed.get(key)]),
      JAVA_PARTITIONS_OF_7.map(([key, partition]) => [key, partition]),
      'partitions the consumer found each key in',
    );
  });

  void it('puts 200 keys on the same partitions as Kafka\'s Java partitioner', { timeout: TEST_TIMEOUT_MS }, async () => {
    const classpath = process.env.STREAMD_TEST_KAFKA_CLASSPATH;
    assert.ok(
      classpath !== undefined && classpath !== '',
      'STREAMD_TEST_KAFKA_CLASSPATH is not set: the Java partitioner needs the kafka-clients jars. Run through npm test '
        + '(its runner sets it), or set STREAMD_TEST_KAFKA_CLASSPATH=\'<repo>/.cache/kafka/3.9.1/libs/*\' (npm run kafka prints it)',
    );
    const partitionCount = 7;
    const keys = [
      ...Array.from({ length: 190 }, (_, i) => `customer-${i * 7919}`),
      '', 'ä', 'ß-straße', '日本語のキー', '🔑-emoji', 'a'.repeat(1000), 'x', 'xy', 'xyz', 'xyzw',
    ];
    const known = JAVA_PARTITIONS_OF_7.map(([key]) => key);
    const answers: number[] = await javaPartitionsForKeys([...keys, ...known], partitionCount, classpath);
    assert.equal(answers.length, keys.length + known.length, 'the Java partitioner answers every key');
    assert.deepEqual(
      known.map((key, i) => [key, answers[keys.length + i]]),
      JAVA_PARTITIONS_OF_7.map(([key, partition]) => [key, partition]),
      'the Java helper agrees with the known partitions',
    );
    const javaPartitions = answers.slice(0, keys.length);
    assert.equal(new Set(javaPartitions).size, partitionCount, 'the keys cover every partition, so the comparison means something');

    const topic = await ctx.createTopic('java-keys', partitionCount);
    const producer = await ctx.producer();
    const metadata = await producer.send(keys.map((key) => ({ topic, key: Buffer.from(key, 'utf8'), value: null })));
    const mismatches = keys.flatMap((key, i) =>
      metadata[i]!.partition === javaPartitions[i] ? [] : [`"${key.slice(0, 20)}": driver ${metadata[i]!.partition}, Java ${javaPartitions[i]}`]);
    assert.deepEqual(mismatches, [], 'keys the driver put on a different partition than Java');

    const admin = await ctx.admin();
    const offsets = await admin.offsets(topic);
    assert.deepEqual(
      [...offsets].sort((a, b) => a.partition - b.partition).map((o) => o.latest),
      Array.from({ length: partitionCount }, (_, p) => BigInt(javaPartitions.filter((j) => j === p).length)),
      'records per partition in the log match Java\'s choice',
    );
  });

  void it('reports the earliest and latest offset of every partition', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await ctx.createTopic('offsets', 2);
    const admin = await ctx.admin();
    const byPartition = async (): Promise<[number, bigint, bigint][]> =>
      (await admin.offsets(topic)).map((o): [number, bigint, bigint] => [o.partition, o.earliest, o.latest]).sort((a, b) => a[0] - b[0]);
    assert.deepEqual(await byPartition(), [[0, 0n, 0n], [1, 0n, 0n]], 'an empty topic');

    const producer = await ctx.producer();
    await producer.send([0, 1, 2].map((i) => ({ topic, partition: 0, value: Buffer.from(`v${i}`) })));
    assert.deepEqual(await byPartition(), [[0, 0n, 3n], [1, 0n, 0n]], 'after three records on partition 0');
  });
}

/** Three partitions × RECORDS_PER_PARTITION records, interleaved, exercising every optional field. */
function roundTripRecords(topic: string, baseTimestamp: number): ProducerRecord[] {
  const records: ProducerRecord[] = [];
  for (let i = 0; i < RECORDS_PER_PARTITION; i++) {
    for (let partition = 0; partition < 3; partition++) {
      const id = `${partition}-${i}`;
      const key = i % 5 === 4 ? null : i === 2 ? Buffer.from([0x00, 0xff, 0x10, partition]) : Buffer.from(`key-${id}`);
      const headers = i % 3 === 0
        ? { 'trace-id': Buffer.from(`trace-${id}`), binary: Buffer.from([0xde, 0xad, 0xbe, 0xef]), empty: Buffer.alloc(0) }
        : undefined;
      records.push({
        topic,
        partition,
        ...(i === 7 ? {} : { key }),
        value: i % 4 === 3 ? null : Buffer.from(`value-${id}`),
        ...(headers === undefined ? {} : { headers }),
        ...(i === 5 ? {} : { timestamp: baseTimestamp + partition * 1000 + i }),
      });
    }
  }
  return records;
}

/** The parts of a sent record that must survive the round trip, as comparable plain data. */
function sentView(record: ProducerRecord, meta: RecordMetadata): object {
  return {
    offset: meta.offset,
    partition: meta.partition,
    key: bytes(record.key ?? null),
    value: bytes(record.value),
    headers: headerView(record.headers ?? {}),
    timestamp: record.timestamp ?? 'producer clock',
  };
}

/** `sentView` of a consumed record; `sent` says whether its timestamp was chosen by the test. */
function receivedView(record: ConsumerRecord, sent: ProducerRecord): object {
  return {
    offset: record.offset,
    partition: record.partition,
    key: bytes(record.key),
    value: bytes(record.value),
    headers: headerView(record.headers),
    timestamp: sent.timestamp === undefined ? 'producer clock' : record.timestamp,
  };
}

function headerView(headers: Readonly<Record<string, Buffer>>): [string, string | null][] {
  return Object.entries(headers)
    .map(([name, value]): [string, string | null] => [name, bytes(value)])
    .sort((a, b) => a[0].localeCompare(b[0]));
}

function range(from: number, to: number): bigint[] {
  return Array.from({ length: to - from }, (_, i) => BigInt(from + i));
}
