// Conductor (faust-internals §3, §2.4): routes records to every subscribed channel with one ack
// reference per channel, decodes each event as a reader takes it and applies the decode-error
// policy there, ignores refetched offsets, and pauses a partition whose buffered events reach the limit.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { ConsumerRecord, ProducerRecord, RecordBatch, TopicPartition } from '../../../src/kafka/index.js';
import {
  Channel,
  Conductor,
  PartitionTracker,
  type DecodeErrorPolicy,
  type RecordDecoder,
  type Subscription,
} from '../../../src/streams/index.js';
import { TOPIC, record } from './fixtures.js';

/** Offsets decodeJson was called for, in order. */
const decodedOffsets: bigint[] = [];

/** Decodes JSON values; a value that is not JSON throws, as a codec would. */
const decodeJson: RecordDecoder = (r) => {
  decodedOffsets.push(r.offset);
  return { key: r.key?.toString() ?? null, value: r.value === null ? null : (JSON.parse(r.value.toString()) as unknown) };
};

/** A conductor over fake ports that keep what they were asked to do. */
function conductorWith(maxBuffered = 100) {
  const calls = {
    sent: [] as ProducerRecord[],
    paused: [] as TopicPartition[],
    resumed: [] as TopicPartition[],
    halted: [] as Error[],
    decodeErrors: [] as [string, string, DecodeErrorPolicy][],
  };
  const conductor = new Conductor(
    {
      log: pino({ level: 'silent' }),
      decoderFor: () => decodeJson,
      send: (r) => void calls.sent.push(r),
      pause: (p) => void calls.paused.push(p),
      resume: (p) => void calls.resumed.push(p),
      halt: (e) => void calls.halted.push(e),
      countDecodeError: (topic, agent, policy) => void calls.decodeErrors.push([topic, agent, policy]),
    },
    maxBuffered,
  );
  /** A channel for `agent` subscribed to `topic`, wired to the conductor's resume logic as the worker does. */
  const subscribe = (agent: string, onDecodeError: DecodeErrorPolicy = 'skip', topic = TOPIC): Channel => {
    const channel = new Channel(`agent ${agent}`, { onTake: (event) => conductor.taken(event) });
    const subscription: Subscription = { topic, channel, agent, onDecodeError, deadLetterTopic: `app-${agent}-dead-letters` };
    conductor.subscribe(subscription);
    return channel;
  };
  return { conductor, calls, subscribe };
}

function batch(records: readonly ConsumerRecord[], topic = TOPIC, partition = 0): RecordBatch {
  const end = (records.at(-1)?.offset ?? -1n) + 1n;
  return { topic, partition, records, highWatermark: end, nextOffset: end };
}

function offsets(from: number, to: number, partition = 0): ConsumerRecord[] {
  return Array.from({ length: to - from }, (_, i) => record(from + i, { partition }));
}

const notJson = (offset: number): ConsumerRecord =>
  record(offset, { raw: Buffer.from('{not json'), key: 'bad-key', headers: { trace: Buffer.from('t-1') } });

/** Takes and acks every buffered event a reader gets (an undecodable one is not handed over). */
function drain(channel: Channel): number {
  let n = 0;
  for (let event = channel.poll(); event !== undefined; event = channel.poll()) {
    event.ack();
    n += 1;
  }
  return n;
}

describe('Conductor', () => {
  it('lists every subscribed topic once, sorted', () => {
    const { conductor, subscribe } = conductorWith();
    subscribe('a', 'skip', 'zeta');
    subscribe('b', 'skip', 'alpha');
    subscribe('c', 'skip', 'zeta');
    assert.deepEqual(conductor.topics(), ['alpha', 'zeta']);
  });

  it('delivers each record to every channel subscribed to its topic, decoded', async () => {
    const { conductor, subscribe } = conductorWith();
    const first = subscribe('a');
    const second = subscribe('b');
    const other = subscribe('c', 'skip', 'payments');
    conductor.deliver(batch([record(0, { value: { id: 1 } }), record(1, { value: { id: 2 } })]), new PartitionTracker(TOPIC, 0, () => undefined));
    assert.equal(first.size, 2);
    assert.equal(second.size, 2);
    assert.equal(other.size, 0);
    const event = await first.next();
    assert.deepEqual([event?.key, event?.value, event?.message.offset], ['k0', { id: 1 }, 0n]);
  });

  it('holds one ack reference per subscribed channel: a record settles when every channel acked it', async () => {
    const { conductor, subscribe } = conductorWith();
    const first = subscribe('a');
    const second = subscribe('b');
    const tracker = new PartitionTracker(TOPIC, 0, () => undefined);
    conductor.deliver(batch(offsets(0, 1)), tracker);
    (await first.next())?.ack();
    assert.equal(tracker.committable(), 0n, 'agent b still holds the record');
    (await second.next())?.ack();
    assert.equal(tracker.committable(), 1n);
  });

  it('settles at once the records of a topic no channel reads', () => {
    const { conductor } = conductorWith();
    const tracker = new PartitionTracker(TOPIC, 0, () => undefined);
    conductor.deliver(batch(offsets(0, 3)), tracker);
    assert.equal(tracker.committable(), 3n);
  });

  it('ignores refetched offsets it already delivered', async () => {
    const { conductor, subscribe } = conductorWith();
    const channel = subscribe('a');
    const tracker = new PartitionTracker(TOPIC, 0, () => undefined);
    conductor.deliver(batch(offsets(0, 3)), tracker);
    conductor.deliver(batch(offsets(1, 5)), tracker);
    const seen: bigint[] = [];
    while (channel.size > 0) seen.push((await channel.next())!.message.offset);
    assert.deepEqual(seen, [0n, 1n, 2n, 3n, 4n]);
  });

  it('delivers nothing for a revoked partition', () => {
    const { conductor, subscribe } = conductorWith();
    const channel = subscribe('a');
    const tracker = new PartitionTracker(TOPIC, 0, () => undefined);
    tracker.revoke();
    conductor.deliver(batch(offsets(0, 2)), tracker);
    assert.equal(channel.size, 0);
  });

  it('skip: drops an undecodable record, counts it, and does not hold back the commit', () => {
    const { conductor, calls, subscribe } = conductorWith();
    const channel = subscribe('a', 'skip');
    const tracker = new PartitionTracker(TOPIC, 0, () => undefined);
    conductor.deliver(batch([record(0), notJson(1), record(2)]), tracker);
    assert.equal(drain(channel), 2);
    assert.equal(tracker.committable(), 3n, 'the skipped offset 1 is committed past');
    assert.deepEqual(calls.decodeErrors, [[TOPIC, 'a', 'skip']]);
    assert.deepEqual(calls.sent, []);
    assert.deepEqual(calls.halted, []);
  });

  it('dlq: sends the raw record to the dead-letter topic with headers naming the error and the source', () => {
    const { conductor, calls, subscribe } = conductorWith();
    const channel = subscribe('a', 'dlq');
    const tracker = new PartitionTracker(TOPIC, 0, () => undefined);
    const bad = notJson(1);
    conductor.deliver(batch([record(0), bad]), tracker);
    assert.equal(drain(channel), 1);
    assert.equal(tracker.committable(), 2n);
    assert.equal(calls.sent.length, 1);
    const letter = calls.sent[0]!;
    assert.equal(letter.topic, 'app-a-dead-letters');
    assert.equal(letter.key, bad.key);
    assert.equal(letter.value, bad.value, 'the value is the raw bytes, unchanged');
    assert.equal(letter.timestamp, bad.timestamp);
    const headers = Object.fromEntries(Object.entries(letter.headers ?? {}).map(([k, v]) => [k, v.toString()]));
    assert.equal(headers['trace'], 't-1', 'the original headers are kept');
    assert.equal(headers['streamd-source-topic'], TOPIC);
    assert.equal(headers['streamd-source-partition'], '0');
    assert.equal(headers['streamd-source-offset'], '1');
    assert.match(headers['streamd-error'] ?? '', /JSON/);
    assert.deepEqual(calls.decodeErrors, [[TOPIC, 'a', 'dlq']]);
  });

  it('dlq: with two agents on the topic, each agent gets the record on its own dead-letter topic', () => {
    const { conductor, calls, subscribe } = conductorWith();
    const a = subscribe('a', 'dlq');
    const b = subscribe('b', 'dlq');
    const tracker = new PartitionTracker(TOPIC, 0, () => undefined);
    conductor.deliver(batch([notJson(0)]), tracker);
    assert.equal(drain(a) + drain(b), 0);
    assert.deepEqual(calls.sent.map((r) => r.topic), ['app-a-dead-letters', 'app-b-dead-letters']);
    assert.equal(tracker.committable(), 1n, 'each agent released its reference');
  });

  it('decodes an event when a reader takes it, not when it is delivered', () => {
    const { conductor, calls, subscribe } = conductorWith();
    const channel = subscribe('a', 'dlq');
    const tracker = new PartitionTracker(TOPIC, 0, () => undefined);
    decodedOffsets.length = 0;
    conductor.deliver(batch([record(0, { value: { id: 1 } }), notJson(1), record(2)]), tracker);
    assert.deepEqual(decodedOffsets, [], 'nothing is decoded while buffered');
    assert.deepEqual(calls.sent, [], 'the undecodable record is not routed before it is taken');
    const first = channel.poll();
    assert.deepEqual([first?.value, decodedOffsets], [{ id: 1 }, [0n]]);
    first?.ack();
    assert.equal(channel.poll()?.message.offset, 2n, 'the reader gets the record after the undecodable one');
    assert.deepEqual(decodedOffsets, [0n, 1n, 2n]);
    assert.equal(calls.sent.length, 1);
    assert.equal(tracker.committable(), 2n, 'the dead-lettered offset 1 is acked, offset 2 is not yet');
  });

  it('stop: a reader already waiting gets nothing from the undecodable record on', async () => {
    const { conductor, calls, subscribe } = conductorWith();
    const channel = subscribe('a', 'stop');
    const tracker = new PartitionTracker(TOPIC, 0, () => undefined);
    const waiting = channel.next();
    conductor.deliver(batch([notJson(0), record(1)]), tracker);
    assert.equal(calls.halted.length, 1);
    assert.equal(drain(channel), 0, 'offset 1 is not handed over');
    channel.close();
    assert.equal(await waiting, undefined);
    assert.equal(tracker.committable(), 0n);
  });

  it('stop: halts the worker with the record named, delivers nothing from it on, and never commits past it', () => {
    const { conductor, calls, subscribe } = conductorWith();
    const channel = subscribe('a', 'stop');
    const tracker = new PartitionTracker(TOPIC, 0, () => undefined);
    conductor.deliver(batch([record(0), notJson(1), record(2)]), tracker);
    assert.equal(drain(channel), 1, 'offset 0 was handed over, offset 2 was not');
    assert.equal(tracker.committable(), 1n, 'the commit stops at the undecodable record');
    assert.equal(calls.halted.length, 1);
    const error = calls.halted[0] as Error & { code?: string };
    assert.equal(error.code, 'STREAMD_UNDECODABLE_RECORD');
    assert.match(error.message, new RegExp(`${TOPIC}\\[0\\] at offset 1`));
    assert.deepEqual(calls.decodeErrors, [[TOPIC, 'a', 'stop']]);

    conductor.deliver(batch([record(2), record(3)]), tracker);
    assert.equal(channel.size, 0, 'a halted partition delivers nothing more');
    assert.equal(tracker.committable(), 1n);
  });

  it('pauses a partition when its buffered events reach the limit, and resumes it when readers have taken half', async () => {
    const { conductor, calls, subscribe } = conductorWith(4);
    const channel = subscribe('a');
    const tracker = new PartitionTracker(TOPIC, 0, () => undefined);
    conductor.deliver(batch(offsets(0, 3)), tracker);
    assert.deepEqual(calls.paused, [], 'three buffered events are under the limit of four');
    conductor.deliver(batch(offsets(3, 4)), tracker);
    assert.deepEqual(calls.paused, [{ topic: TOPIC, partition: 0 }]);
    await channel.next();
    assert.deepEqual(calls.resumed, [], 'three buffered is more than half');
    await channel.next();
    assert.deepEqual(calls.resumed, [{ topic: TOPIC, partition: 0 }]);
    await channel.next();
    assert.equal(calls.resumed.length, 1, 'a resumed partition is resumed once');
  });

  it('counts buffered events per partition, across every channel of the topic', () => {
    const { conductor, calls, subscribe } = conductorWith(4);
    subscribe('a');
    subscribe('b');
    conductor.deliver(batch(offsets(0, 1, 1), TOPIC, 1), new PartitionTracker(TOPIC, 1, () => undefined));
    assert.deepEqual(calls.paused, [], 'partition 1 has 2 events buffered');
    conductor.deliver(batch(offsets(0, 2)), new PartitionTracker(TOPIC, 0, () => undefined));
    assert.deepEqual(calls.paused, [{ topic: TOPIC, partition: 0 }], 'two records in two channels are four events');
  });

  it('reset() forgets pauses and halts after a rebalance', () => {
    const { conductor, calls, subscribe } = conductorWith(2);
    const channel = subscribe('a', 'stop');
    conductor.deliver(batch([notJson(0)]), new PartitionTracker(TOPIC, 0, () => undefined));
    conductor.reset();
    channel.drop(() => true);
    conductor.deliver(batch(offsets(0, 1)), new PartitionTracker(TOPIC, 0, () => undefined));
    assert.equal(channel.size, 1, 'the partition delivers again');
    assert.deepEqual(calls.paused, []);
  });

  // Fails today: an event pushed to a reader that is already waiting is "taken" inside deliver(),
  // before deliver() adds the batch to the buffered count; `taken` clamps the missing count at 0
  // (`?? 1`), so the event is counted as buffered for good. With a limit of 1 the partition pauses
  // with an empty channel and nothing ever resumes it.
  it('does not count an event handed straight to a waiting reader as buffered', async () => {
    const { conductor, calls, subscribe } = conductorWith(2);
    const channel = subscribe('a');
    const waiting = channel.next();
    conductor.deliver(batch(offsets(0, 2)), new PartitionTracker(TOPIC, 0, () => undefined));
    assert.equal((await waiting)?.message.offset, 0n);
    assert.equal(channel.size, 1);
    assert.deepEqual(calls.paused, [], 'one event is buffered, under the limit of two');
  });
});
