// `streamd start` as a subprocess against the real broker: exactly-once output without failures,
// no loss across kill -9, no duplicates across SIGTERM, and the handler error policy.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { PipelineApp, expectedIds, outputIds } from './helpers/pipeline-app.js';

const INPUT = 100_000;
const TIMEOUT_MS = 240_000;

describe('streamd start against a real broker', () => {
  const apps: PipelineApp[] = [];
  const app = (): PipelineApp => {
    const made = new PipelineApp();
    apps.push(made);
    return made;
  };
  after(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });

  it('sends every kept record of 100k through filter, map and groupBy exactly once and commits to the end offsets', { timeout: TIMEOUT_MS }, async () => {
    const pipeline = app();
    await pipeline.createTopics();
    await pipeline.produceOrders(INPUT);
    const out = await pipeline.output();
    const daemon = await pipeline.start();
    const expected = expectedIds(INPUT);
    await out.untilCount(expected.length, { timeoutMs: TIMEOUT_MS - 60_000 });
    await pipeline.waitCommittedToEnd(pipeline.input, 30_000);
    const exit = await daemon.terminate();
    assert.deepEqual(exit, { code: 0, signal: null }, daemon.tail());

    const { ids, duplicates } = outputIds(out);
    assert.equal(duplicates, 0, 'no output twice');
    assert.equal(ids.size, expected.length);
    assert.ok(expected.every((id) => ids.has(id)), 'every kept order is in the output');
    const source = await pipeline.progress(pipeline.input);
    assert.deepEqual(source.perPartition.map((p) => p.committed), source.perPartition.map((p) => p.end), 'source committed to its end');
    const repartition = await pipeline.progress(`${pipeline.appId}-pipe-by-user-repartition`);
    assert.deepEqual(repartition.perPartition.map((p) => p.committed), repartition.perPartition.map((p) => p.end), 'repartition topic committed to its end');
    await out.consumer.stop();
  });

  it('loses nothing when killed with SIGKILL mid-stream, and repeats no more than was uncommitted', { timeout: TIMEOUT_MS }, async () => {
    const pipeline = app();
    await pipeline.createTopics();
    await pipeline.produceOrders(INPUT);
    const out = await pipeline.output();
    const first = await pipeline.start();
    await out.untilCount(30_000, { timeoutMs: TIMEOUT_MS / 2 });
    await first.kill9();
    const atKill = outputIds(out).ids.size;
    const source = await pipeline.progress(pipeline.input);
    const repartition = await pipeline.progress(`${pipeline.appId}-pipe-by-user-repartition`);
    const uncommitted = Number(source.end - source.committed + (repartition.end - repartition.committed));

    await pipeline.start();
    const expected = expectedIds(INPUT);
    await out.until((records) => records.length >= expected.length && outputIds(out).ids.size === expected.length, {
      timeoutMs: TIMEOUT_MS / 2,
      message: 'every kept order reaches the output after the restart',
    });
    const { ids, duplicates } = outputIds(out);
    assert.ok(expected.every((id) => ids.has(id)), 'no input lost');
    process.stdout.write(
      `# kill -9 after ${atKill} outputs: ${duplicates} duplicates; at the kill the source was committed to ${source.committed} of ${source.end}, ` +
        `the repartition topic to ${repartition.committed} of ${repartition.end}\n`,
    );
    assert.ok(duplicates <= uncommitted, `${duplicates} duplicates, but only ${uncommitted} records were uncommitted when the worker was killed`);
    await out.consumer.stop();
  });

  it('exits 0 on SIGTERM mid-stream and repeats nothing after a restart', { timeout: TIMEOUT_MS }, async () => {
    const pipeline = app();
    await pipeline.createTopics();
    await pipeline.produceOrders(INPUT);
    const out = await pipeline.output();
    const first = await pipeline.start();
    await out.untilCount(30_000, { timeoutMs: TIMEOUT_MS / 2 });
    const exit = await first.terminate();
    assert.deepEqual(exit, { code: 0, signal: null }, first.tail());

    await pipeline.start();
    const expected = expectedIds(INPUT);
    await out.untilCount(expected.length, { timeoutMs: TIMEOUT_MS / 2 });
    await pipeline.waitCommittedToEnd(pipeline.input, 30_000);
    const { ids, duplicates } = outputIds(out);
    assert.equal(duplicates, 0, 'a graceful stop commits everything it processed');
    assert.ok(expected.every((id) => ids.has(id)), 'no input lost');
    await out.consumer.stop();
  });

  it('keeps running when the handler throws on 1 order in 1000, processes the rest, and counts 100 errors', { timeout: TIMEOUT_MS }, async () => {
    const pipeline = app();
    await pipeline.createTopics();
    await pipeline.produceOrders(INPUT);
    const out = await pipeline.output();
    const daemon = await pipeline.start({ env: { FAIL_ONE_IN: '1000' } });
    const expected = expectedIds(INPUT, 1000);
    await out.untilCount(expected.length, { timeoutMs: TIMEOUT_MS - 60_000 });
    await pipeline.waitCommittedToEnd(pipeline.input, 30_000);
    assert.equal(await daemon.counter('streamd_handler_errors_total', { agent: 'pipe' }), 100);
    const ready = await fetch(`${daemon.url}/ready`);
    assert.equal(ready.status, 200, 'the worker is still running');
    const { ids, duplicates } = outputIds(out);
    assert.equal(ids.size, expected.length);
    assert.equal(duplicates, 0);
    const logged = daemon.logs().filter((l) => l['msg'] === 'handler failed; the event is acked and the actor starts again');
    assert.equal(logged.length, 100, 'each failure is logged once');
    assert.ok(logged.every((l) => typeof l['topic'] === 'string' && typeof l['partition'] === 'number' && typeof l['offset'] === 'string'), 'with topic, partition and offset');
    assert.deepEqual(await daemon.terminate(), { code: 0, signal: null });
    await out.consumer.stop();
  });

  it('stops with exit code 1 and says why when a handler fails on every event (a crash loop)', { timeout: TIMEOUT_MS }, async () => {
    const pipeline = app();
    await pipeline.createTopics();
    await pipeline.produceOrders(1000);
    const daemon = await pipeline.start({ env: { FAIL_ONE_IN: '1' }, waitReady: false });
    const exit = await daemon.exited;
    assert.equal(exit.code, 1, daemon.tail());
    assert.ok(daemon.output.some((line) => line.includes('STREAMD_AGENT_CRASH_LOOP') || line.includes('without processing an event')), daemon.tail());
  });
});
