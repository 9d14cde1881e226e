// Malformed input under each onDecodeError policy, through `streamd start` on the real broker:
// skip counts and skips, dlq sends the raw record with error headers, stop exits non-zero without
// committing past the bad record. Valid records around the bad ones (a 900 KB value, garbage
// headers) are processed either way.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ProducerRecord } from '../../src/kafka/index.js';
import { collectRecords } from '../helpers/collect.js';
import { uniqueName } from '../helpers/unique-name.js';
import { PipelineApp, order, outputIds } from './helpers/pipeline-app.js';

const TIMEOUT_MS = 120_000;

/** Offsets 0..8 of partition 0: four undecodable records among five valid ones. */
function malformed(topic: string): { batches: ProducerRecord[][]; valid: number[]; bad: { offset: number; value: Buffer }[] } {
  const at = (value: Buffer, headers?: Record<string, Buffer>): ProducerRecord => ({ topic, partition: 0, key: Buffer.from('k'), value, ...(headers === undefined ? {} : { headers }) });
  const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
  const bad = [
    { offset: 1, value: Buffer.from('{"id": 1, "user": ') },
    { offset: 3, value: json({ id: 'three', user: 7 }) },
    { offset: 4, value: Buffer.alloc(0) },
    { offset: 5, value: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) },
  ];
  const garbageHeaders = { '\u0000\u00ff': Buffer.from([0xff, 0xfe, 0x00]), 'x-binary': Buffer.from([0xc3, 0x28]) };
  return {
    batches: [
      [at(json(order(0))), at(bad[0]!.value), at(json(order(1))), at(bad[1]!.value), at(bad[2]!.value), at(bad[3]!.value)],
      [at(json({ ...order(2), padding: 'x'.repeat(900_000) }))],
      [at(json(order(3)), garbageHeaders), at(json(order(4)))],
    ],
    valid: [0, 1, 2, 3, 4],
    bad,
  };
}

describe('malformed messages through streamd start', () => {
  const apps: PipelineApp[] = [];
  after(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });

  /** A fresh app with the malformed input loaded into its topic. */
  async function loaded(): Promise<{ app: PipelineApp; input: ReturnType<typeof malformed> }> {
    const app = new PipelineApp();
    apps.push(app);
    await app.createTopics();
    const input = malformed(app.input);
    for (const batch of input.batches) await app.produce(batch);
    return { app, input };
  }

  it('skip: counts the four undecodable records, processes the five valid ones, and commits past all', { timeout: TIMEOUT_MS }, async () => {
    const { app, input } = await loaded();
    const out = await app.output();
    const daemon = await app.start({ env: { ON_DECODE_ERROR: 'skip' } });
    await out.untilCount(input.valid.length, { timeoutMs: TIMEOUT_MS / 2 });
    await app.waitCommittedToEnd(app.input, 30_000);
    assert.deepEqual([...outputIds(out).ids].sort(), input.valid);
    assert.equal(await daemon.counter('streamd_decode_errors_total', { topic: app.input, policy: 'skip' }), 4);
    assert.deepEqual(await daemon.terminate(), { code: 0, signal: null });
    await out.consumer.stop();
  });

  it('dlq: sends each undecodable record unchanged to <id>-<agent>-dlq with headers that say why and where', { timeout: TIMEOUT_MS }, async () => {
    const { app, input } = await loaded();
    const out = await app.output();
    const daemon = await app.start({ env: { ON_DECODE_ERROR: 'dlq' } });
    await out.untilCount(input.valid.length, { timeoutMs: TIMEOUT_MS / 2 });
    await app.waitCommittedToEnd(app.input, 30_000);
    const deadLetters = await collectRecords(await app.driver.consumer({ groupId: uniqueName('dlq-reader'), maxWaitMs: 100 }), [`${app.appId}-pipe-dlq`]);
    await deadLetters.untilCount(4, { timeoutMs: 30_000 });
    assert.deepEqual(
      deadLetters.records.map((r) => r.value),
      input.bad.map((b) => b.value),
      'the raw values, in order',
    );
    for (const [i, record] of deadLetters.records.entries()) {
      assert.equal(record.headers['streamd-source-topic']?.toString(), app.input);
      assert.equal(record.headers['streamd-source-partition']?.toString(), '0');
      assert.equal(record.headers['streamd-source-offset']?.toString(), String(input.bad[i]!.offset));
      assert.ok((record.headers['streamd-error']?.length ?? 0) > 0, 'the error is named');
    }
    assert.equal(await daemon.counter('streamd_decode_errors_total', { topic: app.input, policy: 'dlq' }), 4);
    assert.deepEqual([...outputIds(out).ids].sort(), input.valid);
    assert.deepEqual(await daemon.terminate(), { code: 0, signal: null });
    await Promise.all([out.consumer.stop(), deadLetters.consumer.stop()]);
  });

  it('stop: exits non-zero at the first undecodable record and never commits past it', { timeout: TIMEOUT_MS }, async () => {
    const { app, input } = await loaded();
    const daemon = await app.start({ env: { ON_DECODE_ERROR: 'stop' }, waitReady: false });
    const exit = await daemon.exited;
    assert.equal(exit.code, 1, daemon.tail());
    assert.ok(
      daemon.output.some((line) => line.includes('onDecodeError is \\"stop\\"') || line.includes('onDecodeError is "stop"')),
      `the log says why it stopped:\n${daemon.tail()}`,
    );
    const progress = await app.progress(app.input);
    const firstBad = BigInt(input.bad[0]!.offset);
    assert.ok(progress.perPartition[0]!.committed <= firstBad, `committed ${progress.perPartition[0]!.committed}, past the bad record at ${firstBad}`);

    const again = await app.start({ env: { ON_DECODE_ERROR: 'stop' }, waitReady: false });
    assert.equal((await again.exited).code, 1, 'a restart stops at the same record again: nothing was skipped');
  });
});
