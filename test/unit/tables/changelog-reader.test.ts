// ChangelogReader and catchUp on the memory driver: the behaviour every driver shares, plus what
// needs a virtual clock or an in-process broker — stalls, progress reports, aborts, empty topics.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode } from '../../../src/errors/index.js';
import { createMemoryDriver, dropMemoryCluster } from '../../../src/kafka/drivers/memory/index.js';
import type { TopicPartition } from '../../../src/kafka/index.js';
import { ManualClock } from '../../../src/service/index.js';
import { catchUp, type CatchUpProgress } from '../../../src/tables/index.js';
import { uniqueName } from '../../helpers/unique-name.js';
import { waitFor } from '../../helpers/wait-for.js';
import { readerBehaviour } from './reader-behaviour.js';
import { BatchRecorder, records, readerFixture } from './reader-fixture.js';

/** Everything happens in-process: a few seconds is plenty, even on a loaded machine. */
const DELIVERY_TIMEOUT_MS = 5_000;

void describe('changelog reader (memory driver)', () => {
  const fx = readerFixture(() => {
    const cluster = uniqueName('tables');
    return { driver: createMemoryDriver(cluster, {}), dispose: () => dropMemoryCluster(cluster) };
  }, DELIVERY_TIMEOUT_MS);

  readerBehaviour(fx, { timeoutMs: 30_000 });

  async function startedReader(partitions: number): Promise<{ reader: ReturnType<typeof fx.reader>; tp: TopicPartition }> {
    const topic = await fx.createTopic('unit', partitions);
    const reader = fx.reader([topic]);
    await reader.start();
    return { reader, tp: { topic, partition: 0 } };
  }

  void it('fails a catch-up with STREAMD_RECOVERY_STALLED when the position stops moving for stallTimeoutMs', async () => {
    const { reader, tp } = await startedReader(1);
    await fx.produce(records(tp.topic, 0, 5));
    const clock = new ManualClock();
    const applied = new BatchRecorder();
    const outcome = catchUp(reader, tp, 0n, 20n, applied.handler, { stallTimeoutMs: 1_000, signal: fx.signal, clock })
      .then(() => 'resolved', (error: unknown) => error);
    await waitFor(() => reader.position(tp) === 5n && clock.pendingSleeps === 1, { timeoutMs: DELIVERY_TIMEOUT_MS, message: 'the first 5 records' });

    await clock.advance(600);
    await fx.produce(records(tp.topic, 0, 6).slice(5));
    await waitFor(() => reader.position(tp) === 6n, { timeoutMs: DELIVERY_TIMEOUT_MS, message: 'the sixth record' });
    await clock.advance(600);
    assert.equal(await Promise.race([outcome, Promise.resolve('pending')]), 'pending', 'progress at 600 ms moved the deadline to 1600 ms');

    await clock.advance(400);
    const error = await outcome;
    assert.ok(hasCode(error, 'STREAMD_RECOVERY_STALLED'), `expected STREAMD_RECOVERY_STALLED, got ${String(error)}`);
    assert.match((error as Error).message, new RegExp(`${tp.topic}\\[0\\].*offset 6 of end offset 20`));
    assert.equal(reader.position(tp), undefined, 'a failed catch-up unfollows');
    assert.equal(reader.state, 'running', 'a stall fails the catch-up, not the reader');
  });

  void it('does not call a catch-up stalled while a batch is being applied (a slow onChangelogEvent hook), however long it takes', async () => {
    const { reader, tp } = await startedReader(1);
    await fx.produce(records(tp.topic, 0, 3));
    const clock = new ManualClock();
    const applied = new BatchRecorder();
    let release: () => void = () => undefined;
    applied.hold(new Promise<void>((resolve) => {
      release = resolve;
    }));
    const outcome = catchUp(reader, tp, 0n, 3n, applied.handler, { stallTimeoutMs: 1_000, signal: fx.signal, clock })
      .then((result) => result.records, (error: unknown) => error);
    await applied.untilBatches(1, DELIVERY_TIMEOUT_MS);
    await waitFor(() => clock.pendingSleeps === 1, { timeoutMs: DELIVERY_TIMEOUT_MS, message: 'the stall watch asleep' });
    for (let i = 0; i < 5; i++) {
      await clock.advance(1_000);
      await waitFor(() => clock.pendingSleeps === 1, { timeoutMs: DELIVERY_TIMEOUT_MS, message: 'the stall watch asleep again' });
    }
    assert.equal(await Promise.race([outcome, Promise.resolve('pending')]), 'pending', '5 s of applying is not a stall');
    release();
    assert.equal(await outcome, 3);
  });

  void it('reports records, rate and ETA every progressIntervalMs, and once at the end', async () => {
    const { reader, tp } = await startedReader(1);
    await fx.produce(records(tp.topic, 0, 5));
    const clock = new ManualClock(1_000_000);
    const reports: CatchUpProgress[] = [];
    const done = catchUp(reader, tp, 0n, 10n, new BatchRecorder().handler, {
      stallTimeoutMs: 60_000,
      signal: fx.signal,
      clock,
      progressIntervalMs: 1_000,
      onProgress: (progress) => reports.push(progress),
    });
    await waitFor(() => reader.position(tp) === 5n && clock.pendingSleeps === 1, { timeoutMs: DELIVERY_TIMEOUT_MS, message: 'the first 5 records' });
    await clock.advance(1_000);
    assert.deepEqual(reports, [{ tp, records: 5, position: 5n, end: 10n, ratePerSecond: 5, etaSeconds: 1 }]);

    await fx.produce(records(tp.topic, 0, 10).slice(5));
    assert.deepEqual(await done, { records: 10, position: 10n });
    assert.deepEqual(reports.at(-1), { tp, records: 10, position: 10n, end: 10n, ratePerSecond: 10, etaSeconds: 0 });
    assert.equal(clock.pendingSleeps, 0, 'the watchdog ended with the catch-up');
  });

  void it('rejects an aborted catch-up with an AbortError and unfollows the partition', async () => {
    const { reader, tp } = await startedReader(1);
    const aborter = new AbortController();
    const applied = new BatchRecorder();
    const caughtUp = catchUp(reader, tp, 0n, 3n, applied.handler, { stallTimeoutMs: 60_000, signal: aborter.signal, clock: new ManualClock() });
    assert.equal(reader.position(tp), 0n, 'followed while catching up');
    aborter.abort();
    await assert.rejects(caughtUp, { name: 'AbortError' });
    assert.equal(reader.position(tp), undefined);
    await fx.produce(records(tp.topic, 0, 3));
    await assert.rejects(catchUp(reader, tp, 0n, 3n, applied.handler, { stallTimeoutMs: 1, signal: aborter.signal }), { name: 'AbortError' }, 'an aborted signal rejects at once');
    assert.deepEqual(applied.batches, []);
  });

  void it('fails a catch-up with the apply error when apply rejects, and the reader crashes', async () => {
    const { reader, tp } = await startedReader(1);
    await fx.produce(records(tp.topic, 0, 2));
    const failure = new Error('store closed');
    await assert.rejects(
      catchUp(reader, tp, 0n, 2n, () => Promise.reject(failure), { stallTimeoutMs: 60_000, signal: fx.signal, clock: new ManualClock() }),
      (error) => error === failure,
    );
    const exit = await reader.whenStopped();
    assert.equal(exit.state, 'crashed');
  });

  void it('fails a catch-up when the reader stops under it', async () => {
    const { reader, tp } = await startedReader(1);
    const caughtUp = catchUp(reader, tp, 0n, 3n, new BatchRecorder().handler, { stallTimeoutMs: 60_000, signal: fx.signal, clock: new ManualClock() });
    await reader.stop();
    await assert.rejects(caughtUp, { name: 'AbortError' });
    assert.throws(() => reader.follow(tp, 0n, new BatchRecorder().handler), (error) => hasCode(error, 'STREAMD_ILLEGAL_STATE'), 'no follow after stop');
  });

  void it('does nothing with no changelog topics, and refuses to follow a topic it does not read', async () => {
    const reader = fx.reader([]);
    await reader.start();
    assert.equal(reader.state, 'running');
    assert.throws(() => reader.follow({ topic: 'elsewhere', partition: 0 }, 0n, new BatchRecorder().handler), (error) => hasCode(error, 'STREAMD_ILLEGAL_STATE'));
    await reader.stop();
    assert.equal(reader.state, 'stopped');
  });

  void it('rejects end offsets of a partition the topic does not have', async () => {
    const { reader, tp } = await startedReader(2);
    await assert.rejects(reader.endOffsets([{ topic: tp.topic, partition: 2 }]), (error) => hasCode(error, 'STREAMD_KAFKA') && /\[2\]/.test((error as Error).message));
  });
});
