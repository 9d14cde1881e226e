// Exercises the Kafka test harness itself: a real TestBroker serves clients and leaves no process,
// port or directory behind, and Kafka's Java partitioner answers as Kafka does. Suite `kafka`.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { TestBroker } from './broker.js';
import { isPortFree } from './free-ports.js';
import { javaPartitionsForKeys } from './java-partitioner.js';
import { ensureKafkaJars } from './jars.js';

/** murmur2 vectors from Kafka's UtilsTest.testMurmur2 (signed 32-bit hashes of the UTF-8 bytes). */
const MURMUR2_VECTORS: ReadonlyArray<readonly [string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];
const INT_MAX = 2147483647;

/** Kafka's Utils.toPositive: clears the sign bit. */
function toPositive(hash: number): number {
  return hash & 0x7fffffff;
}

void describe('TestBroker', { timeout: 120_000 }, () => {
  let broker: TestBroker;

  before(async () => {
    const { classpath } = await ensureKafkaJars();
    broker = await TestBroker.start({ classpath });
  });

  after(async () => {
    await broker?.stop();
  });

  void it('creates topics, accepts a record and reports its offsets', async () => {
    assert.match(broker.bootstrap, /^127\.0\.0\.1:\d+$/);
    const kafka = new Kafka({ clientId: 'harness-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topic = `harness-${Date.now()}`;
      assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true }), true);
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      try {
        const [sent] = await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v', partition: 1 }] });
        assert.equal(sent?.baseOffset, '0');
      } finally {
        await producer.disconnect();
      }
      const offsets = await admin.fetchTopicOffsets(topic);
      const highByPartition = Object.fromEntries(offsets.map((o) => [o.partition, o.high]));
      assert.deepEqual(highByPartition, { 0: '0', 1: '1', 2: '0' });
    } finally {
      await admin.disconnect();
    }
  });

  void it('refuses to create topics implicitly (auto.create.topics.enable=false)', async () => {
    const kafka = new Kafka({ clientId: 'harness-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 1 } });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await assert.rejects(producer.send({ topic: `never-created-${Date.now()}`, messages: [{ value: 'v' }] }));
    } finally {
      await producer.disconnect();
    }
  });

  void it('stops without leaving the JVM, the port or the data directory behind', async () => {
    const stopping = broker.stop();
    assert.equal(broker.stop(), stopping, 'stop() is memoized');
    await stopping;
    assert.throws(() => process.kill(broker.pid, 0), { code: 'ESRCH' });
    assert.equal(await isPortFree(broker.port), true);
    assert.equal(existsSync(broker.dataDir), false);
  });
});

void describe('javaPartitionsForKeys', { timeout: 60_000 }, () => {
  let classpath: string;

  before(async () => {
    ({ classpath } = await ensureKafkaJars());
  });

  void it("matches the murmur2 vectors of Kafka's UtilsTest", async () => {
    const keys = MURMUR2_VECTORS.map(([key]) => key);
    // With Integer.MAX_VALUE partitions the partition is the positive hash itself.
    assert.deepEqual(await javaPartitionsForKeys(keys, INT_MAX, classpath), MURMUR2_VECTORS.map(([, hash]) => toPositive(hash)));
    assert.deepEqual(await javaPartitionsForKeys(keys, 12, classpath), MURMUR2_VECTORS.map(([, hash]) => toPositive(hash) % 12));
  });

  void it('maps each key to the same partition every time, within range', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `user-${String(i).padStart(5, '0')}`).concat(['', 'héllo wörld', '鍵']);
    const first = await javaPartitionsForKeys(keys, 6, classpath);
    const second = await javaPartitionsForKeys(keys, 6, classpath);
    assert.deepEqual(second, first);
    assert.ok(first.every((partition) => Number.isInteger(partition) && partition >= 0 && partition < 6));
    assert.equal(new Set(first).size, 6, '200 keys spread over all 6 partitions');
  });
});
