// exactly_once on the embedded broker: the pipeline (filter, map, groupBy, sink) and the tables app
// (groupBy into tables) run with one transaction per input partition; a read_committed reader sees
// every output once, the tables hold the truth across a restart, and the offsets are committed by
// the transactions. The kill -9 proofs against a real broker live in test/e2e/exactly-once*.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Agent } from '../../../src/agents/index.js';
import { createDriver, type KafkaDriver } from '../../../src/kafka/index.js';
import { loadManifest } from '../../../src/manifest/index.js';
import { WorkerMetrics } from '../../../src/metrics/index.js';
import { createWorker, type Worker } from '../../../src/worker/index.js';
import { pipe } from '../../fixtures/apps/pipeline/handlers.js';
import { configure, count } from '../../fixtures/apps/tables/handlers/tables.js';
import { collectRecords } from '../../helpers/collect.js';
import { uniqueName } from '../../helpers/unique-name.js';
import { waitFor } from '../../helpers/wait-for.js';
import { repoPath } from '../../kafka/repo-root.js';
import { captureLogger } from '../stores/fixture.js';

const EOS = { STREAMD_PROCESSING_GUARANTEE: 'exactly_once' };

async function start(app: string, handlers: Map<string, Agent>, env: Record<string, string>, logger = pino({ level: 'silent' })): Promise<Worker> {
  const manifest = await loadManifest(repoPath('test', 'fixtures', 'apps', app, 'app.yaml'), { env: { ...EOS, ...env } });
  const worker = await createWorker(manifest, { logger, handlers, metrics: new WorkerMetrics({ withDefaults: false }) });
  await worker.start();
  await waitFor(() => worker.isReady(), { timeoutMs: 20_000, message: 'the worker to be ready' });
  return worker;
}

describe('exactly_once on the embedded broker', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('sends every kept record once through groupBy to the sink, in transactions that commit the offsets', async () => {
    const broker = `memory://${uniqueName('eos')}`;
    const { logger, records: logs } = captureLogger();
    const worker = await start('pipeline', new Map([['pipe', pipe as Agent]]), { STREAMD_BROKER: broker }, logger);
    const driver: KafkaDriver = createDriver(broker);
    cleanup.push(() => driver.close());
    try {
      assert.equal(worker.topology().processingGuarantee, 'exactly_once');
      const input = Array.from({ length: 3000 }, (_, id) => ({ key: `k${id}`, value: { id, user: `user-${id % 13}`, amount: id % 200 } }));
      await worker.ingest('orders', input);
      const expected = input.filter((o) => o.value.id % 10 !== 7).map((o) => o.value.id);
      const out = await collectRecords(await driver.consumer({ groupId: uniqueName('check'), maxWaitMs: 50, isolation: 'read_committed' }), ['large_orders']);
      await out.untilCount(expected.length, { timeoutMs: 20_000 });
      assert.equal((await worker.stop()).state, 'stopped');
      const seen = out.records.map((r) => (JSON.parse(r.value!.toString()) as { id: number }).id).sort((a, b) => a - b);
      assert.deepEqual(seen, expected, 'every kept record once');
      const admin = await driver.admin();
      const committed = await admin.committedOffsets('pipeline', ['orders']);
      assert.equal(committed.reduce((sum, c) => sum + Number(c.offset), 0), input.length, 'the transactions committed every input offset');
      const held = logs.filter((l) => typeof l['transactionalProducers'] === 'number');
      assert.ok(held.length > 0, 'the worker logs how many transactional producers it holds');
      await out.consumer.stop();
      await admin.close();
    } finally {
      await worker.stop();
    }
  });

  it('counts through a groupBy into tables whose changelogs are transactional, and keeps them across a restart', async () => {
    const datadir = await mkdtemp(join(tmpdir(), 'streamd-eos-'));
    cleanup.push(() => rm(datadir, { recursive: true, force: true }));
    const env = { STREAMD_BROKER: `memory://${uniqueName('eos')}`, STREAMD_DATADIR: datadir, APP_ID: uniqueName('eos'), STREAMD_STORE: 'memory://' };
    const handlers = new Map<string, Agent>([
      ['count', count as Agent],
      ['configure', configure as Agent],
    ]);
    const total = async (worker: Worker): Promise<number> => {
      let sum = 0;
      for await (const [, value] of worker.tables!.runtimes.get('counts')!.entries()) sum += value as number;
      return sum;
    };
    const views = (n: number, from: number): { key: string; value: { page: string; user: string } }[] =>
      Array.from({ length: n }, (_, i) => ({ key: `v${from + i}`, value: { page: `/p${(from + i) % 30}`, user: `u${i % 7}` } }));
    let worker = await start('tables', handlers, env);
    try {
      await worker.ingest('views', views(2000, 0));
      await waitFor(async () => (await total(worker)) === 2000, { timeoutMs: 20_000, message: 'the counts to reach 2000' });
      await worker.stop();
      // memory:// stores: the restart recovers from the (transactional) changelog alone.
      worker = await start('tables', handlers, env);
      assert.equal(await total(worker), 2000, 'recovered from the changelog, read read_committed');
      await worker.ingest('views', views(500, 2000));
      await waitFor(async () => (await total(worker)) === 2500, { timeoutMs: 20_000, message: 'the counts to reach 2500' });
    } finally {
      await worker.stop();
    }
  });
});
