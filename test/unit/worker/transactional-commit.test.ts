// The exactly_once commit on the embedded broker: task ids, one producer per task, records and
// offsets committed in one transaction, a fenced task dropped with a clear log line and a rejoin,
// and an outbox that hands a commit only the records of the offsets it commits.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createDriver, type KafkaDriver } from '../../../src/kafka/index.js';
import { WorkerMetrics } from '../../../src/metrics/index.js';
import { PartitionOutbox } from '../../../src/streams/index.js';
import { TaskIds, TaskProducers, TransactionalCommit } from '../../../src/worker/eos/index.js';
import { collectRecords } from '../../helpers/collect.js';
import { uniqueName } from '../../helpers/unique-name.js';
import { captureLogger } from '../stores/fixture.js';

describe('exactly_once commit pieces', () => {
  const drivers: KafkaDriver[] = [];
  after(async () => {
    for (const driver of drivers) await driver.close();
  });

  it('names a task by its co-partitioned group (or its topic) and partition', () => {
    const ids = new TaskIds('app');
    assert.equal(ids.taskOf({ topic: 'views', partition: 2 }), 'views-2');
    ids.useGroups([{ topics: ['app-count-by-page-repartition', 'views'], changelogs: ['app-counts-changelog'] }]);
    assert.equal(ids.taskOf({ topic: 'views', partition: 2 }), 'app-count-by-page-repartition-2');
    assert.equal(ids.taskOf({ topic: 'app-counts-changelog', partition: 2 }), 'app-count-by-page-repartition-2', 'a changelog partition belongs to its group');
    assert.equal(ids.transactionalId('views-2'), 'app-views-2');
  });

  it('gives a commit only the records of the offsets it commits', () => {
    const outbox = new PartitionOutbox();
    const record = (n: number): { topic: string; value: Buffer } => ({ topic: 'out', value: Buffer.from(String(n)) });
    outbox.add(5n, record(5));
    outbox.add(6n, record(6));
    outbox.add(7n, record(7));
    assert.deepEqual(outbox.take(7n).map((r) => r.value!.toString()), ['5', '6']);
    assert.equal(outbox.size, 1, 'the record of offset 7 waits for a later commit');
  });

  it('commits records and offsets in one transaction; a fenced task is dropped, logged with its partitions, and asks for a rejoin', async () => {
    const broker = `memory://${uniqueName('txn')}`;
    const driver = createDriver(broker);
    drivers.push(driver);
    const admin = await driver.admin();
    await admin.createTopics([
      { topic: 'in', partitions: 2 },
      { topic: 'out', partitions: 1 },
    ]);
    const { logger, records: logs } = captureLogger();
    const ids = new TaskIds('app');
    const producers = new TaskProducers({ driver, ids, log: logger, transactionTimeoutMs: 10_000 });
    const rejoins: string[] = [];
    const commit = new TransactionalCommit({ ids, producers, tables: undefined, groupId: 'g', log: logger, metrics: new WorkerMetrics({ withDefaults: false }), onDropped: (reason) => rejoins.push(reason) });
    await producers.assign(new Set(['in-0', 'in-1']));
    assert.equal(producers.count, 2);
    const out = (value: string): { topic: string; value: Buffer } => ({ topic: 'out', value: Buffer.from(value) });

    commit.send([{ offset: { topic: 'in', partition: 0, offset: 1n }, records: [out('a')] }]);
    const first = await commit.commit([{ offset: { topic: 'in', partition: 0, offset: 2n }, records: [out('b')] }], []);
    assert.deepEqual(first.offsets, [{ topic: 'in', partition: 0, offset: 2n }]);
    assert.deepEqual((await admin.committedOffsets('g', ['in'])).map((c) => c.offset), [2n, -1n]);

    // A new owner of in-1 fences this worker's producer of it.
    const newOwner = await driver.transactionalProducer(ids.transactionalId('in-1'));
    const second = await commit.commit(
      [
        { offset: { topic: 'in', partition: 0, offset: 3n }, records: [out('c')] },
        { offset: { topic: 'in', partition: 1, offset: 5n }, records: [out('zombie')] },
      ],
      [],
    );
    assert.deepEqual(second.offsets, [{ topic: 'in', partition: 0, offset: 3n }], 'the fenced task commits nothing');
    assert.equal(producers.get('in-1'), undefined, 'the fenced producer is discarded');
    assert.deepEqual(rejoins, ['fenced on in[1]']);
    const fenced = logs.find((l) => String(l.msg).startsWith('exactly_once: fenced on in[1]'));
    assert.ok(fenced !== undefined, 'a clear log line names the fenced partition');
    assert.deepEqual((await admin.committedOffsets('g', ['in'])).map((c) => c.offset), [3n, -1n]);

    const reader = await collectRecords(await driver.consumer({ groupId: uniqueName('read'), isolation: 'read_committed', maxWaitMs: 20 }), ['out']);
    await reader.untilCount(3, { timeoutMs: 5000 });
    assert.deepEqual(reader.records.map((r) => r.value!.toString()), ['a', 'b', 'c'], 'nothing of the fenced transaction is visible read_committed');
    await reader.consumer.stop();
    await newOwner.close();
    await producers.close();
    await admin.close();
  });
});
