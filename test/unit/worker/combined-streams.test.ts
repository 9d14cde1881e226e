// Combining streams (Faust's agent over several topics, `topics: [a, b]`): one agent's stream holds
// the events of both topics, each still naming its own topic. On the embedded broker.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { Agent } from '../../../src/agents/index.js';
import { createDriver } from '../../../src/kafka/index.js';
import { loadManifest } from '../../../src/manifest/index.js';
import { WorkerMetrics } from '../../../src/metrics/index.js';
import { createWorker } from '../../../src/worker/index.js';
import { merge } from '../../fixtures/apps/combined/handlers.js';
import { collectRecords } from '../../helpers/collect.js';
import { uniqueName } from '../../helpers/unique-name.js';
import { repoPath } from '../../kafka/repo-root.js';

describe('an agent over several topics', () => {
  it('processes the events of every topic in one stream, each with its own topic', async () => {
    const broker = `memory://${uniqueName('combined')}`;
    const manifest = await loadManifest(repoPath('test', 'fixtures', 'apps', 'combined', 'app.yaml'), { env: { STREAMD_BROKER: broker } });
    const worker = await createWorker(manifest, { logger: pino({ level: 'silent' }), handlers: new Map([['merge', merge as Agent]]), metrics: new WorkerMetrics({ withDefaults: false }) });
    const driver = createDriver(broker);
    let isStopped = false;
    try {
      await worker.start();
      await worker.ingest('clicks', Array.from({ length: 20 }, (_, i) => ({ key: `c${i}`, value: i })));
      await worker.ingest('views', Array.from({ length: 30 }, (_, i) => ({ key: `v${i}`, value: 100 + i })));
      const out = await collectRecords(await driver.consumer({ groupId: uniqueName('check'), maxWaitMs: 50 }), ['seen']);
      const records = await out.untilCount(50, { timeoutMs: 20_000 });
      const seen = records.map((r) => JSON.parse(r.value!.toString()) as { topic: string; value: number });
      assert.deepEqual(seen.filter((s) => s.topic === 'clicks').map((s) => s.value).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));
      assert.deepEqual(seen.filter((s) => s.topic === 'views').map((s) => s.value).sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => 100 + i));
      await out.consumer.stop();
      isStopped = true;
      assert.equal((await worker.stop()).state, 'stopped');
    } finally {
      if (!isStopped) await worker.stop().catch(() => undefined);
      await driver.close();
    }
  });
});
