// The memory driver as a whole: shared clusters by name, the one-time notice, produce rules,
// copies of the caller's buffers, capabilities, and close().

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { hasCode } from '../../../../src/errors/index.js';
import { dropMemoryCluster, memoryCluster } from '../../../../src/kafka/drivers/memory/index.js';
import { createDriver } from '../../../../src/kafka/index.js';
import { uniqueName } from '../../../helpers/unique-name.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { buffer, memoryFixture, QUICK, SOON_MS } from './memory-fixture.js';

/** A pino logger whose lines land in `lines`. */
function capturingLogger(lines: Record<string, unknown>[]): pino.Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return pino({ level: 'info' }, sink);
}

void describe('memory driver', () => {
  const fixture = memoryFixture();

  void it('says once per cluster, at info, that the broker is in-process and not for production', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = capturingLogger(lines);
    const { cluster } = fixture.open({ logger });
    fixture.driver(cluster, { logger });
    const { cluster: quiet } = fixture.open();
    fixture.driver(quiet, { logger });
    fixture.driver(quiet, { logger });
    await waitFor(() => lines.length >= 2, { timeoutMs: SOON_MS, message: 'the notices' });
    assert.equal(lines.length, 2, 'one line for each of the two clusters, the second from its first driver with a logger');
    assert.ok(lines.every((l) => l['component'] === 'memory-broker' && l['level'] === 30));
    assert.match(String(lines[0]?.['msg']), /not for production/);
  });

  void it('shares one broker between drivers of the same cluster name, and drops it on request', async () => {
    const { driver, cluster } = fixture.open();
    await (await driver.admin()).createTopics([{ topic: 't', partitions: 1 }]);
    const twin = fixture.driver(cluster);
    assert.deepEqual(await (await twin.admin()).listTopics(), ['t']);
    assert.equal(memoryCluster(cluster).partitionCount('t'), 1);
    assert.deepEqual(await (await fixture.open().driver.admin()).listTopics(), [], 'another name is another broker');

    const name = uniqueName('dropped');
    const viaUrl = createDriver(`memory://${name}`);
    await (await viaUrl.admin()).createTopics([{ topic: 't', partitions: 1 }]);
    await viaUrl.close();
    dropMemoryCluster(name);
    assert.equal(memoryCluster(name).partitionCount('t'), undefined, 'a dropped cluster starts empty');
    dropMemoryCluster(name);
  });

  void it('rejects producing to an unknown topic or partition with STREAMD_UNKNOWN_TOPIC and appends nothing', async () => {
    const { driver } = fixture.open();
    const admin = await driver.admin();
    await admin.createTopics([{ topic: 't', partitions: 2 }]);
    const producer = await driver.producer();
    const isUnknown = (err: unknown): boolean => hasCode(err, 'STREAMD_UNKNOWN_TOPIC');
    await assert.rejects(producer.send([{ topic: 'nope', value: buffer('x') }]), isUnknown);
    await assert.rejects(producer.send([{ topic: 't', partition: 0, value: buffer('ok') }, { topic: 't', partition: 2, value: buffer('x') }]), isUnknown);
    await assert.rejects(admin.offsets('nope'), isUnknown);
    await assert.rejects(admin.committedOffsets('g', ['nope']), isUnknown);
    await assert.rejects(admin.deleteTopics(['t', 'nope']), isUnknown);
    assert.deepEqual((await admin.offsets('t')).map((o) => o.latest), [0n, 0n], 'nothing of a failed send is appended');
  });

  void it('round-robins keyless records per producer and keeps a copy of every buffer', async () => {
    const { driver } = fixture.open();
    await (await driver.admin()).createTopics([{ topic: 't', partitions: 3 }]);
    const producer = await driver.producer();
    const value = buffer('original');
    const header = buffer('header');
    const sent = await producer.send([0, 1, 2, 3].map(() => ({ topic: 't', value, headers: { h: header } })));
    assert.deepEqual(sent.map((m) => m.partition), [0, 1, 2, 0]);
    value.write('MUTATED!');
    header.write('MUTATED');
    const consumer = await driver.consumer({ groupId: 'g', ...QUICK });
    const seen: string[] = [];
    await consumer.subscribe(['t']);
    await consumer.run((batch) => {
      for (const r of batch.records) seen.push(`${r.value?.toString() ?? ''}/${r.headers['h']?.toString() ?? ''}`);
      return Promise.resolve();
    });
    await waitFor(() => seen.length === 4, { timeoutMs: SOON_MS, message: 'the four records' });
    assert.ok(seen.every((s) => s === 'original/header'), seen.join(', '));
  });

  void it('describes itself: name memory, no KIP-447, custom assignors, not networked', () => {
    const { driver } = fixture.open();
    assert.equal(driver.name, 'memory');
    assert.deepEqual(driver.capabilities, { kip447: false, customAssignor: true, networked: false });
  });

  void it('closes every client it created, once, and refuses new ones', async () => {
    const { driver } = fixture.open();
    const admin = await driver.admin();
    await admin.createTopics([{ topic: 't', partitions: 1 }]);
    const producer = await driver.producer();
    const consumer = await driver.consumer({ groupId: 'g', ...QUICK });
    await consumer.subscribe(['t']);
    await consumer.run(() => Promise.resolve());
    const closing = driver.close();
    assert.equal(driver.close(), closing);
    await closing;
    await assert.rejects(producer.send([{ topic: 't', value: buffer('late') }]), (err) => hasCode(err, 'STREAMD_ILLEGAL_STATE'));
    await assert.rejects(admin.listTopics(), (err) => hasCode(err, 'STREAMD_ILLEGAL_STATE'));
    await assert.rejects(consumer.commit([{ topic: 't', partition: 0, offset: 0n }]), (err) => hasCode(err, 'STREAMD_REBALANCE_IN_PROGRESS'));
    await assert.rejects(driver.producer(), (err) => hasCode(err, 'STREAMD_ILLEGAL_STATE'));
  });
});
