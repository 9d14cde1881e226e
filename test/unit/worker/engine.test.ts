// The stream engine end to end on the embedded broker: manifest → worker → consumer → conductor →
// agent (filter, map, groupBy) → sink, then a drain. The real-broker version lives in test/e2e.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { createDriver, type KafkaDriver } from '../../../src/kafka/index.js';
import { loadManifest } from '../../../src/manifest/index.js';
import { WorkerMetrics } from '../../../src/metrics/index.js';
import { createWorker, type Worker } from '../../../src/worker/index.js';
import { pipe } from '../../fixtures/apps/pipeline/handlers.js';
import type { Agent } from '../../../src/agents/index.js';
import { collectRecords } from '../../helpers/collect.js';
import { uniqueName } from '../../helpers/unique-name.js';
import { waitFor } from '../../helpers/wait-for.js';
import { repoPath } from '../../kafka/repo-root.js';

const silent = pino({ level: 'silent' });

async function startPipeline(broker: string, env: Record<string, string> = {}): Promise<Worker> {
  return startWith(broker, pipe as Agent, env);
}

async function startWith(broker: string, handler: Agent, env: Record<string, string> = {}): Promise<Worker> {
  const manifest = await loadManifest(repoPath('test', 'fixtures', 'apps', 'pipeline', 'app.yaml'), { env: { STREAMD_BROKER: broker, ...env } });
  const worker = await createWorker(manifest, { logger: silent, handlers: new Map([['pipe', handler]]), metrics: new WorkerMetrics({ withDefaults: false }) });
  await worker.start();
  return worker;
}

function orders(count: number): { key: string; value: { id: number; user: string; amount: number } }[] {
  return Array.from({ length: count }, (_, id) => ({ key: `k${id}`, value: { id, user: `user-${id % 13}`, amount: id % 200 } }));
}

describe('the stream engine on the embedded broker', () => {
  const drivers: KafkaDriver[] = [];
  after(async () => {
    await Promise.all(drivers.map((d) => d.close()));
  });

  it('passes every kept record through filter, map and groupBy to the sink exactly once, and commits to the end', async () => {
    const broker = `memory://${uniqueName('engine')}`;
    const worker = await startPipeline(broker);
    const driver = createDriver(broker);
    drivers.push(driver);
    try {
      const input = orders(5000);
      await worker.ingest('orders', input);
      const expected = input.filter((o) => o.value.id % 10 !== 7);
      const out = await collectRecords(await driver.consumer({ groupId: uniqueName('check'), maxWaitMs: 50 }), ['large_orders']);
      await out.untilCount(expected.length, { timeoutMs: 20_000 });

      const exit = await worker.stop();
      assert.equal(exit.state, 'stopped');
      const seen = out.records.map((r) => JSON.parse(r.value!.toString()) as { id: number; large: boolean });
      assert.equal(seen.length, expected.length, 'no duplicates');
      assert.deepEqual(seen.map((o) => o.id).sort((a, b) => a - b), expected.map((o) => o.value.id));
      assert.ok(seen.every((o) => o.large === o.id % 200 >= 100), 'the map step ran on every record');

      const admin = await driver.admin();
      const ends = await admin.offsets('orders');
      const committed = await admin.committedOffsets('pipeline', ['orders']);
      assert.deepEqual(committed.map((c) => c.offset), ends.map((e) => e.latest), 'the drain committed every partition to its end');
      const repartition = await admin.committedOffsets('pipeline', ['pipeline-pipe-by-user-repartition']);
      const repartitionEnds = await admin.offsets('pipeline-pipe-by-user-repartition');
      assert.deepEqual(repartition.map((c) => c.offset), repartitionEnds.map((e) => e.latest));
      await out.consumer.stop();
    } finally {
      await worker.stop();
    }
  });

  it('skips undecodable records under the skip policy and counts them', async () => {
    const broker = `memory://${uniqueName('engine')}`;
    const worker = await startPipeline(broker);
    const driver = createDriver(broker);
    drivers.push(driver);
    try {
      const producer = await driver.producer();
      await producer.send([
        { topic: 'orders', partition: 0, value: Buffer.from('{not json') },
        { topic: 'orders', partition: 0, value: Buffer.from(JSON.stringify({ id: 'x' })) },
        { topic: 'orders', partition: 0, value: Buffer.from(JSON.stringify({ id: 1, user: 'a', amount: 5 })) },
      ]);
      const out = await collectRecords(await driver.consumer({ groupId: uniqueName('check'), maxWaitMs: 50 }), ['large_orders']);
      await out.untilCount(1, { timeoutMs: 10_000 });
      const metrics = await worker.metrics.expose();
      assert.match(metrics.body, /streamd_decode_errors_total\{topic="orders",agent="pipe",policy="skip"\} 2/);
      await out.consumer.stop();
    } finally {
      await worker.stop();
    }
  });

  it('stops without committing past an undecodable record under the stop policy', async () => {
    const broker = `memory://${uniqueName('engine')}`;
    const worker = await startPipeline(broker, { ORDERS_ON_DECODE_ERROR: 'stop' });
    const driver = createDriver(broker);
    drivers.push(driver);
    const producer = await driver.producer();
    await producer.send([
      ...orders(3).map((o) => ({ topic: 'orders', partition: 0, value: Buffer.from(JSON.stringify(o.value)) })),
      { topic: 'orders', partition: 0, value: Buffer.from('{bad') },
      ...orders(3).map((o) => ({ topic: 'orders', partition: 0, value: Buffer.from(JSON.stringify(o.value)) })),
    ]);
    const exit = await worker.whenStopped();
    assert.equal(exit.state, 'crashed');
    const admin = await driver.admin();
    const committed = await admin.committedOffsets('pipeline', ['orders']);
    const partition0 = committed.find((c) => c.partition === 0)!;
    assert.ok(partition0.offset <= 3n, `committed ${partition0.offset}, which must not pass the bad record at offset 3`);
    await waitFor(() => worker.state === 'crashed', { timeoutMs: 5000, message: 'the worker ends crashed' });
  });

  it('swaps in a reloaded handler without losing or repeating an event', async () => {
    const broker = `memory://${uniqueName('engine')}`;
    const tag = (label: string): Agent<{ id: number; user: string; amount: number }> =>
      async function* (stream) {
        for await (const order of stream.groupBy((o) => o.user, { name: 'by-user' })) yield { ...order, label };
      };
    const worker = await startWith(broker, tag('old') as Agent);
    const driver = createDriver(broker);
    drivers.push(driver);
    try {
      const out = await collectRecords(await driver.consumer({ groupId: uniqueName('check'), maxWaitMs: 50 }), ['large_orders']);
      const input = orders(400);
      await worker.ingest('orders', input.slice(0, 200));
      await out.untilCount(200, { timeoutMs: 10_000 });
      await worker.reloadHandlers(new Map([['pipe', tag('new') as Agent]]));
      await worker.ingest('orders', input.slice(200));
      await out.untilCount(400, { timeoutMs: 10_000 });
      const seen = out.records.map((r) => JSON.parse(r.value!.toString()) as { id: number; label: string });
      assert.deepEqual(seen.map((o) => o.id).sort((a, b) => a - b), input.map((o) => o.value.id), 'every order once');
      assert.ok(seen.filter((o) => o.id >= 200).every((o) => o.label === 'new'), 'orders after the reload ran the new handler');
      await out.consumer.stop();
    } finally {
      await worker.stop();
    }
  });
});
