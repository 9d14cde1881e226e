// summarizeManifest and the check/agents tables: the topology of the fixture app.yaml, from the
// Manifest alone, with secrets left out.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentsTable, formatCheck } from '../../../src/cli/inspect-commands.js';
import { describeWindow, summarizeManifest } from '../../../src/cli/manifest-summary.js';
import { loadManifest } from '../../../src/manifest/index.js';
import { manifestFixture, repoRoot } from './fixture.js';

const load = () => loadManifest(manifestFixture('app.yaml'), { env: { STREAMD_WEB_AUTH_TOKEN: 'hunter2' }, cwd: repoRoot() });

describe('summarizeManifest', () => {
  it('lists topics, agents, tables, timers, crontabs, tasks and views of the manifest', async () => {
    const summary = summarizeManifest(await load(), repoRoot());
    assert.equal(summary.manifest, 'test/fixtures/manifests/app.yaml');
    assert.equal(summary.id, 'page-views');
    assert.deepEqual(summary.topics.map((t) => [t.name, t.keyType, t.valueType, t.partitions]), [
      ['page_views', 'string', 'PageView', 4],
      ['page_counts_out', 'bytes', 'json', null],
    ]);
    assert.deepEqual(summary.agents, [{
      name: 'count_page_views',
      topics: ['page_views'],
      concurrency: 1,
      sinks: ['page_counts_out'],
      isolatedPartitions: false,
      handler: './handlers/page-views.ts#countPageViews',
    }]);
    assert.deepEqual(summary.tables.map((t) => [t.name, t.default, t.window]), [['page_counts', 0, null], ['views_per_minute', 0, 'tumbling 1m, expires 1h']]);
    assert.deepEqual(summary.timers, [{ name: 'report', interval: '10s', onLeader: true, handler: './handlers/report.ts#report' }]);
    assert.equal(summary.crontabs[0]?.timezone, 'Europe/Oslo');
    assert.equal(summary.tasks[0]?.name, 'warm_up');
    assert.deepEqual(summary.views, [{ method: 'GET', path: '/pages/:page', handler: './handlers/views.ts#page' }]);
  });

  it('never includes the web auth token', async () => {
    const manifest = await load();
    assert.equal(manifest.web.authToken, 'hunter2');
    assert.doesNotMatch(JSON.stringify(summarizeManifest(manifest, repoRoot())), /hunter2/);
    assert.doesNotMatch(formatCheck(summarizeManifest(manifest, repoRoot())), /hunter2/);
  });

  it('describes hopping and sliding windows', () => {
    const common = { graceMs: 0, idleCloseMs: 30_000, relativeTo: { kind: 'stream' }, emit: 'final' } as const;
    assert.equal(describeWindow({ ...common, type: 'hopping', sizeMs: 600_000, stepMs: 60_000 }), 'hopping 10m every 1m');
    assert.equal(describeWindow({ ...common, type: 'sliding', beforeMs: 5_000, afterMs: 5_000, expiresMs: 60_000 }), 'sliding -5s/+5s, expires 1m');
    assert.equal(describeWindow({ ...common, type: 'session', gapMs: 120_000, graceMs: 10_000, sink: 'out' }), 'session gap 2m, grace 10s, final → out');
  });
});

describe('check and agents output', () => {
  it('prints a header and one titled table per non-empty section', async () => {
    const text = formatCheck(summarizeManifest(await load(), repoRoot()));
    assert.match(text, /^manifest {3}test\/fixtures\/manifests\/app\.yaml: valid$/m);
    for (const title of ['Topics', 'Agents', 'Tables', 'Timers', 'Crontabs', 'Tasks', 'Views']) assert.match(text, new RegExp(`^┌${title}─`, 'm'));
  });

  it('says which processing guarantee is in force and what exactly_once leaves at-least-once', async () => {
    assert.match(formatCheck(summarizeManifest(await load(), repoRoot())), /^guarantee {2}at_least_once \(a crash may send and count an event again\)$/m);
    const eos = await loadManifest(manifestFixture('app.yaml'), { env: { STREAMD_PROCESSING_GUARANTEE: 'exactly_once' }, cwd: repoRoot() });
    assert.match(formatCheck(summarizeManifest(eos, repoRoot())), /^guarantee {2}exactly_once \(one Kafka transaction per task, .* global tables send at-least-once\)$/m);
  });

  it('prints agents with an @ and their sinks', async () => {
    const summary = summarizeManifest(await load(), repoRoot());
    assert.match(agentsTable(summary.agents), /│ @count_page_views │ page_views │ +1 │ page_counts_out │/);
  });
});
