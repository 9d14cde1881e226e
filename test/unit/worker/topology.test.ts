// A real worker's physical plan on the embedded broker: every topic (declared, repartition,
// changelog, leader) with its role and partition count once started, tables with their changelogs
// and standbys, and the same plan through GET /topology as JSON and as text.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { Agent } from '../../../src/agents/index.js';
import { loadManifest } from '../../../src/manifest/index.js';
import { WorkerMetrics } from '../../../src/metrics/index.js';
import { renderTopologyText } from '../../../src/web/topology-text.js';
import { createWorker } from '../../../src/worker/index.js';
import { configure, count } from '../../fixtures/apps/tables/handlers/tables.js';
import { uniqueName } from '../../helpers/unique-name.js';
import { waitFor } from '../../helpers/wait-for.js';
import { repoPath } from '../../kafka/repo-root.js';
import { call, serve } from '../web/fixture.js';

describe('Worker.topology on the embedded broker', () => {
  it('gives a declared topic no agent reads the role sink, in JSON and in text', async () => {
    const manifest = await loadManifest(repoPath('manifests', 'page-views', 'app.yaml'), {
      env: { STREAMD_BROKER: `memory://${uniqueName('topology')}`, STREAMD_STORE: 'memory://' },
    });
    const passThrough: Agent = async function* (stream) {
      for await (const value of stream) yield value;
    };
    const worker = await createWorker(manifest, {
      logger: pino({ level: 'silent' }),
      handlers: new Map<string, Agent>([['count_page_views', passThrough]]),
      views: new Map(manifest.views.map((view) => [`${view.method} ${view.path}`, () => ({})])),
      metrics: new WorkerMetrics({ withDefaults: false }),
    });
    const topology = worker.topology();
    assert.deepEqual(topology.topics.filter((t) => t.role === 'source' || t.role === 'sink').map((t) => [t.role, t.name]), [
      ['source', 'page_views'],
      ['sink', 'page_counts_out'],
    ]);
    assert.deepEqual(topology.sourceTopics, ['page_views']);
    assert.deepEqual(topology.sinkTopics, ['page_counts_out']);
    assert.ok(!topology.internalTopics.includes('page_counts_out'));
    assert.match(renderTopologyText(topology), /^ {2}sink page_counts_out \[4 partitions\]$/m);
  });

  it('names every topic with its role, and knows every partition count once started', async () => {
    const datadir = await mkdtemp(join(tmpdir(), 'streamd-topology-'));
    const id = uniqueName('topo');
    const manifest = await loadManifest(repoPath('test', 'fixtures', 'apps', 'tables', 'app.yaml'), {
      env: { STREAMD_BROKER: `memory://${uniqueName('topology')}`, STREAMD_DATADIR: datadir, STREAMD_STORE: 'memory://', APP_ID: id },
    });
    const worker = await createWorker(manifest, {
      logger: pino({ level: 'silent' }),
      handlers: new Map<string, Agent>([['count', count as Agent], ['configure', configure as Agent]]),
      metrics: new WorkerMetrics({ withDefaults: false }),
    });
    const repartition = `${id}-count-by-page-repartition`;
    const before = worker.topology();
    assert.equal(before.topics.find((t) => t.name === repartition)?.partitions, null, 'a repartition count is not known before start');
    let served: Awaited<ReturnType<typeof serve>> | undefined;
    try {
      await worker.start();
      await waitFor(() => worker.isReady(), { timeoutMs: 20_000, message: 'the worker to be ready' });
      const topology = worker.topology();
      assert.deepEqual(
        topology.topics.map((t) => [t.role, t.name, t.partitions]),
        [
          ['source', 'views', 4],
          ['source', 'settings_in', 2],
          ['repartition', repartition, 4],
          ['changelog', `${id}-counts-changelog`, 4],
          ['changelog', `${id}-visitors-changelog`, 4],
          ['changelog', `${id}-settings-changelog`, 2],
          ['leader', `${id}-__assignor-__leader`, 1],
        ],
      );
      assert.deepEqual(topology.topics.find((t) => t.role === 'repartition'), { role: 'repartition', agent: 'count', groupBy: 'by-page', name: repartition, partitions: 4 });
      assert.deepEqual(topology.sourceTopics, ['views', 'settings_in']);
      assert.deepEqual(topology.internalTopics, topology.topics.slice(2).map((t) => t.name));
      assert.deepEqual(topology.tables.map((t) => [t.name, t.kind, t.global, t.changelog, t.partitions, t.standbyReplicas]), [
        ['counts', 'table', false, `${id}-counts-changelog`, 4, 1],
        ['visitors', 'set', false, `${id}-visitors-changelog`, 4, 1],
        ['settings', 'table', true, `${id}-settings-changelog`, 2, 0],
      ]);
      const agent = topology.agents.find((a) => a.name === 'count')!;
      assert.deepEqual(agent.groupBys, [{ groupBy: 'by-page', name: repartition, partitions: 4 }]);
      assert.deepEqual(agent.sources, [{ name: 'views', partitions: 4 }]);
      assert.equal(agent.deadLetterTopic, null);
      assert.deepEqual(topology.leaderTopic, { name: `${id}-__assignor-__leader`, partitions: 1 });

      served = await serve(worker);
      assert.deepEqual((await call(served.port, 'GET', '/topology')).json, JSON.parse(JSON.stringify(topology)));
      assert.deepEqual((await call(served.port, 'GET', '/agents')).json, JSON.parse(JSON.stringify(topology.agents)));
      const text = (await call(served.port, 'GET', '/topology?format=text')).text;
      assert.equal(text, renderTopologyText(topology));
      for (const topic of topology.topics) assert.ok(text.includes(`${topic.name} [${topic.partitions} partition`), `${topic.name} and its count are in:\n${text}`);
    } finally {
      await served?.close();
      await worker.stop();
      await rm(datadir, { recursive: true, force: true });
    }
  });
});
