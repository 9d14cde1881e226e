// PartitionTracker and TrackedMessage: which offset of a partition is safe to commit, given the
// acks so far (faust-internals §2.3–§2.4, committing "next offset to read" as Kafka does).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PartitionTracker, type TrackedMessage } from '../../../src/streams/index.js';

function tracker(): { partition: PartitionTracker; settled: number[] } {
  const settled: number[] = [];
  return { partition: new PartitionTracker('orders', 3, (count) => settled.push(count)), settled };
}

function trackRange(partition: PartitionTracker, from: number, to: number, refs = 1): TrackedMessage[] {
  const out: TrackedMessage[] = [];
  for (let offset = from; offset < to; offset++) out.push(partition.track(BigInt(offset), refs));
  return out;
}

describe('PartitionTracker', () => {
  it('has no committable offset before any record was delivered', () => {
    const { partition } = tracker();
    assert.equal(partition.committable(), undefined);
    assert.equal(partition.uncommitted(), undefined);
    assert.equal(partition.pending, 0);
    assert.equal(partition.isRead(0n), false);
  });

  it('commits the first unacked offset while records are pending', () => {
    const { partition } = tracker();
    trackRange(partition, 10, 13);
    assert.equal(partition.committable(), 10n);
    assert.equal(partition.pending, 3);
  });

  it('commits the offset after the last record once every delivered record is acked', () => {
    const { partition } = tracker();
    for (const message of trackRange(partition, 0, 3)) message.release();
    assert.equal(partition.committable(), 3n);
    assert.equal(partition.pending, 0);
  });

  it('commits no offset past an unacked gap', () => {
    const { partition } = tracker();
    const messages = trackRange(partition, 0, 5);
    for (const index of [0, 1, 3, 4]) messages[index]!.release();
    assert.equal(partition.committable(), 2n, 'offset 2 is unacked: 3 and 4 must wait for it');
    messages[2]!.release();
    assert.equal(partition.committable(), 5n);
  });

  it('settles a record only when every stream that received it has acked', () => {
    const { partition } = tracker();
    const message = partition.track(0n, 2);
    message.release();
    assert.equal(partition.committable(), 0n, 'one of two streams still holds the record');
    message.release();
    assert.equal(partition.committable(), 1n);
  });

  it('ignores releases beyond the number of references', () => {
    const { partition, settled } = tracker();
    const first = partition.track(0n, 1);
    partition.track(1n, 1);
    first.release();
    first.release();
    first.release();
    assert.equal(first.refs, 0);
    assert.deepEqual(settled, [1]);
    assert.equal(partition.committable(), 1n, 'the extra releases did not settle offset 1');
  });

  it('moves past offsets that were never delivered (compaction gaps) once the records around them are acked', () => {
    const { partition } = tracker();
    const messages = [0n, 5n, 9n].map((offset) => partition.track(offset, 1));
    messages[0]!.release();
    assert.equal(partition.committable(), 5n);
    messages[2]!.release();
    assert.equal(partition.committable(), 5n);
    messages[1]!.release();
    assert.equal(partition.committable(), 10n);
  });

  it('settles a record tracked with no references at once, behind the unacked records before it', () => {
    const { partition, settled } = tracker();
    const first = partition.track(0n, 1);
    partition.track(1n, 0);
    assert.equal(partition.committable(), 0n);
    assert.deepEqual(settled, []);
    first.release();
    assert.equal(partition.committable(), 2n);
    assert.deepEqual(settled, [2]);
  });

  it('tells onSettled how many records just became fully acked', () => {
    const { partition, settled } = tracker();
    const messages = trackRange(partition, 0, 3);
    messages[2]!.release();
    messages[1]!.release();
    assert.deepEqual(settled, [], 'nothing is settled while offset 0 is unacked');
    messages[0]!.release();
    assert.deepEqual(settled, [3]);
  });

  it('treats offsets at or below the last delivered one as already read', () => {
    const { partition } = tracker();
    trackRange(partition, 5, 8);
    assert.equal(partition.isRead(0n), true);
    assert.equal(partition.isRead(7n), true);
    assert.equal(partition.isRead(8n), false);
    assert.equal(partition.isRead(100n), false);
  });

  it('reports an uncommitted offset only when it is ahead of the last commit', () => {
    const { partition } = tracker();
    for (const message of trackRange(partition, 0, 3)) message.release();
    assert.equal(partition.uncommitted(), 3n);
    partition.markCommitted(3n);
    assert.equal(partition.uncommitted(), undefined);
    partition.markCommitted(1n);
    assert.equal(partition.uncommitted(), undefined, 'an older commit does not move the mark back');
    partition.track(3n, 1).release();
    assert.equal(partition.uncommitted(), 4n);
  });

  it('ignores acks that arrive after a revoke', () => {
    const { partition, settled } = tracker();
    const messages = trackRange(partition, 0, 2);
    partition.revoke();
    for (const message of messages) message.release();
    assert.equal(partition.isRevoked, true);
    assert.equal(partition.pending, 0);
    assert.deepEqual(settled, []);
    partition.track(2n, 1).release();
    assert.equal(partition.pending, 0, 'a revoked partition tracks nothing new');
    assert.deepEqual(settled, []);
  });

  it('keeps the committable offset right across thousands of acks, in order and out of order', () => {
    const { partition, settled } = tracker();
    const messages = trackRange(partition, 0, 3000);
    for (const message of messages.slice(0, 2000)) message.release();
    assert.equal(partition.committable(), 2000n);
    assert.equal(partition.pending, 1000);
    messages[2500]!.release();
    assert.equal(partition.committable(), 2000n);
    for (const message of messages.slice(2000).reverse()) message.release();
    assert.equal(partition.committable(), 3000n);
    assert.equal(partition.pending, 0);
    assert.equal(settled.reduce((a, b) => a + b, 0), 3000, 'every record settled exactly once');
  });
});
