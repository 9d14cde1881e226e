// PartitionLog: markers take offsets, the last stable offset, isolation levels, batch limits, copies.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PartitionLog, type StoredRecord, type TransactionOutcome } from '../../../../src/kafka/drivers/memory/partition-log.js';

const LIMITS = { maxRecords: 1000, maxBytes: 1_048_576 };

function record(value: string): StoredRecord {
  return { key: null, value: Buffer.from(value), headers: {}, timestamp: 1 };
}

function values(log: PartitionLog, from: number, isolation: 'read_committed' | 'read_uncommitted'): string[] {
  return log.read(from, isolation, LIMITS).records.map((r) => `${r.offset}=${r.value?.toString() ?? 'null'}`);
}

void describe('PartitionLog', () => {
  void it('gives a transaction marker an offset of its own, which no reader sees', () => {
    const log = new PartitionLog('t', 0);
    const txn: TransactionOutcome = { status: 'open' };
    assert.equal(log.append(record('a'), txn), 0);
    txn.status = 'committed';
    assert.equal(log.appendMarker(txn), 1);
    assert.equal(log.append(record('b')), 2);
    assert.equal(log.endOffset, 3);
    assert.deepEqual(values(log, 0, 'read_committed'), ['0=a', '2=b']);
    assert.deepEqual(values(log, 0, 'read_uncommitted'), ['0=a', '2=b']);
  });

  void it('holds the last stable offset at the first record of the oldest open transaction', () => {
    const log = new PartitionLog('t', 0);
    log.append(record('plain-0'));
    const first: TransactionOutcome = { status: 'open' };
    const second: TransactionOutcome = { status: 'open' };
    log.append(record('first-1'), first);
    log.append(record('second-2'), second);
    log.append(record('plain-3'));
    assert.equal(log.lastStableOffset, 1);
    assert.deepEqual(values(log, 0, 'read_committed'), ['0=plain-0'], 'read_committed stops at the last stable offset');
    assert.deepEqual(values(log, 0, 'read_uncommitted'), ['0=plain-0', '1=first-1', '2=second-2', '3=plain-3']);

    second.status = 'committed';
    log.appendMarker(second);
    assert.equal(log.lastStableOffset, 1, 'a later transaction ending does not move past an older open one');
    first.status = 'committed';
    log.appendMarker(first);
    assert.equal(log.lastStableOffset, log.endOffset);
    assert.deepEqual(values(log, 0, 'read_committed'), ['0=plain-0', '1=first-1', '2=second-2', '3=plain-3']);
  });

  void it('never shows aborted records to read_committed, and shows them to read_uncommitted', () => {
    const log = new PartitionLog('t', 0);
    const aborted: TransactionOutcome = { status: 'open' };
    log.append(record('gone'), aborted);
    aborted.status = 'aborted';
    log.appendMarker(aborted);
    log.append(record('kept'));
    const read = log.read(0, 'read_committed', LIMITS);
    assert.deepEqual(read.records.map((r) => r.offset), [2n]);
    assert.equal(read.nextOffset, 3);
    assert.deepEqual(values(log, 0, 'read_uncommitted'), ['0=gone', '2=kept']);
  });

  void it('moves the next offset past markers and aborted records even when it returns no record', () => {
    const log = new PartitionLog('t', 0);
    const aborted: TransactionOutcome = { status: 'open' };
    log.append(record('gone'), aborted);
    aborted.status = 'aborted';
    log.appendMarker(aborted);
    const read = log.read(0, 'read_committed', LIMITS);
    assert.deepEqual(read.records, []);
    assert.equal(read.nextOffset, 2, 'the reader can reach the end offset although the log ends with a marker');
  });

  void it('bounds a read by record count and bytes, but always returns at least one record', () => {
    const log = new PartitionLog('t', 0);
    for (let i = 0; i < 10; i++) log.append(record('0123456789'));
    assert.equal(log.read(0, 'read_uncommitted', { maxRecords: 3, maxBytes: 1_000 }).records.length, 3);
    const byBytes = log.read(0, 'read_uncommitted', { maxRecords: 1000, maxBytes: 25 });
    assert.deepEqual(byBytes.records.map((r) => r.offset), [0n, 1n]);
    assert.equal(byBytes.nextOffset, 2);
    assert.equal(log.read(4, 'read_uncommitted', { maxRecords: 1000, maxBytes: 1 }).records.length, 1, 'a record larger than the limit still comes');
  });

  void it('hands readers copies, so a reader cannot change the log', () => {
    const log = new PartitionLog('t', 0);
    log.append({ key: Buffer.from('k'), value: Buffer.from('v'), headers: { h: Buffer.from('x') }, timestamp: 1 });
    const [first] = log.read(0, 'read_uncommitted', LIMITS).records;
    first!.value!.write('Z');
    first!.key!.write('Z');
    first!.headers['h']!.write('Z');
    const [again] = log.read(0, 'read_uncommitted', LIMITS).records;
    assert.equal(again!.value!.toString(), 'v');
    assert.equal(again!.key!.toString(), 'k');
    assert.equal(again!.headers['h']!.toString(), 'x');
  });

  void it('calls its watchers on every append and marker until they stop watching', () => {
    const log = new PartitionLog('t', 0);
    let calls = 0;
    const unwatch = log.watch(() => calls++);
    const txn: TransactionOutcome = { status: 'open' };
    log.append(record('a'), txn);
    txn.status = 'aborted';
    log.appendMarker(txn);
    unwatch();
    log.append(record('b'));
    assert.equal(calls, 2);
  });
});
