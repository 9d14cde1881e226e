// /metrics of a `streamd start` worker on the real broker, read with the Prometheus project's own
// text-format parser: every figure the worker promises is there, with its type, and moves when
// traffic, errors and a recovery happen; consumer lag returns to 0 after a drain.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createDriver, type Admin } from '../../src/kafka/index.js';
import { parsePrometheusText, sampleSum, type MetricFamily } from '../helpers/prometheus-text.js';
import { uniqueName } from '../helpers/unique-name.js';
import { waitFor } from '../helpers/wait-for.js';
import { repoPath } from '../kafka/repo-root.js';
import { Daemon } from './helpers/daemon.js';
import { waitCommittedToEnd } from './helpers/group-progress.js';
import { brokerAddress } from './helpers/pipeline-app.js';

const FIXTURE = repoPath('test', 'fixtures', 'apps', 'metrics', 'app.yaml');
const CLICKS = 2000;
const PAGES = 100;
const MALFORMED = 3;
const BOOMS = 2;

/** Every family the worker exposes, with its Prometheus type. */
const FAMILIES: Readonly<Record<string, string>> = {
  streamd_messages_in_total: 'counter',
  streamd_messages_out_total: 'counter',
  streamd_events_total: 'counter',
  streamd_processing_latency_seconds: 'histogram',
  streamd_commits_total: 'counter',
  streamd_commit_latency_seconds: 'histogram',
  streamd_send_latency_seconds: 'histogram',
  streamd_assigned_partitions: 'gauge',
  streamd_rebalances_total: 'counter',
  streamd_recovery_records_total: 'counter',
  streamd_recovery_remaining_records: 'gauge',
  streamd_table_reads_total: 'counter',
  streamd_table_writes_total: 'counter',
  streamd_changelog_records_total: 'counter',
  streamd_decode_errors_total: 'counter',
  streamd_handler_errors_total: 'counter',
  streamd_consumer_lag_records: 'gauge',
  streamd_leader: 'gauge',
  // Node's default metrics, with the same prefix.
  streamd_process_cpu_user_seconds_total: 'counter',
  streamd_process_resident_memory_bytes: 'gauge',
  streamd_nodejs_heap_size_used_bytes: 'gauge',
  streamd_nodejs_eventloop_lag_seconds: 'gauge',
};

async function scrape(daemon: Daemon): Promise<MetricFamily[]> {
  const response = await fetch(`${daemon.url}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

describe('the /metrics of a worker', () => {
  const appId = uniqueName('e2e-metrics');
  const input = `clicks_${appId.replace(/-/g, '_')}`;
  const output = `${input}_out`;
  const repartition = `${appId}-count_clicks-by-page-repartition`;
  const changelog = `${appId}-clicks_per_page-changelog`;
  const agent = 'count_clicks';
  const table = 'clicks_per_page';
  const manifest = repoPath('test', 'fixtures', 'apps', 'metrics', `generated-${appId}.yaml`);
  const driver = createDriver(`kafka://${brokerAddress()}`);
  const daemons: Daemon[] = [];
  let admin: Admin | undefined;
  let datadir: string | undefined;

  after(async () => {
    await Promise.all(daemons.map((d) => d.kill9().catch(() => undefined)));
    await admin?.close().catch(() => undefined);
    await driver.close().catch(() => undefined);
    await rm(manifest, { force: true });
    if (datadir !== undefined) await rm(datadir, { recursive: true, force: true });
  });

  const start = async (): Promise<Daemon> => {
    const daemon = await Daemon.start({ manifest, env: { APP_ID: appId, STREAMD_BROKER: `kafka://${brokerAddress()}`, STREAMD_DATADIR: datadir! } });
    daemons.push(daemon);
    return daemon;
  };

  const drained = (topic: string): Promise<void> => waitCommittedToEnd(admin!, appId, topic, 90_000);

  it('exposes every figure, parseable, moving with traffic, errors and recovery; lag returns to 0', { timeout: 240_000 }, async () => {
    datadir = await mkdtemp(join(tmpdir(), `${appId}-`));
    await writeFile(manifest, (await readFile(FIXTURE, 'utf8')).replace(/\bclicks_out\b/g, output).replace(/\bclicks\b/g, input));
    admin = await driver.admin();
    await admin.createTopics([
      { topic: input, partitions: 2 },
      { topic: output, partitions: 2 },
    ]);

    const worker = await start();
    const before = await scrape(worker);
    for (const family of before) assert.ok(family.help.length > 0, `${family.name} has a HELP line`);
    assert.equal(sampleSum(before, 'streamd_assigned_partitions'), 5, 'the input (2 partitions), its repartition topic (2) and the leader topic (1) are assigned');

    // Traffic: clicks over PAGES pages, MALFORMED records that are not JSON, BOOMS clicks that make the handler throw.
    const producer = await driver.producer();
    const records = Array.from({ length: CLICKS }, (_, i) => ({ topic: input, key: Buffer.from(`click-${i}`), value: Buffer.from(JSON.stringify({ page: `/p${i % PAGES}` })) }));
    for (let i = 0; i < MALFORMED; i++) records.push({ topic: input, key: Buffer.from(`bad-${i}`), value: Buffer.from('{not json') });
    for (let i = 0; i < BOOMS; i++) records.push({ topic: input, key: Buffer.from(`boom-${i}`), value: Buffer.from(JSON.stringify({ page: 'boom' })) });
    await producer.send(records);
    await producer.close();
    await drained(input);
    await drained(repartition);

    // Lag is reported at each commit; after the drain every assigned input partition reads 0.
    const afterTraffic = await waitFor(
      async () => {
        const families = await scrape(worker);
        const lag = families.find((f) => f.name === 'streamd_consumer_lag_records')?.samples ?? [];
        const lagOf = (topic: string): number[] => lag.filter((s) => s.labels['topic'] === topic).map((s) => s.value);
        return lagOf(input).length === 2 && lagOf(repartition).length === 2 && lag.every((s) => s.value === 0) && families;
      },
      { timeoutMs: 30_000, intervalMs: 200, message: 'streamd_consumer_lag_records is 0 for both partitions of the input and the repartition topic' },
    );

    for (const [name, type] of Object.entries(FAMILIES)) {
      // The parser names a counter family without its `_total` suffix, as OpenMetrics does.
      const family = afterTraffic.find((f) => f.name === name || (f.type === 'counter' && `${f.name}_total` === name));
      assert.ok(family !== undefined, `${name} is exposed`);
      assert.equal(family.type, type, `${name} is a ${type}`);
    }
    const moved = (sample: string, labels: Record<string, string> = {}): number => sampleSum(afterTraffic, sample, labels) - sampleSum(before, sample, labels);
    const valid = CLICKS + BOOMS;
    assert.equal(moved('streamd_messages_in_total', { topic: input }), CLICKS + MALFORMED + BOOMS, 'every record of the input topic was received');
    assert.equal(moved('streamd_messages_out_total', { topic: repartition }), valid, 'every valid click was regrouped');
    assert.equal(moved('streamd_messages_in_total', { topic: repartition }), valid, 'and received again from the repartition topic');
    assert.equal(moved('streamd_messages_out_total', { topic: output }), CLICKS, 'every counted click reached the sink');
    assert.equal(moved('streamd_decode_errors_total', { topic: input, agent }), MALFORMED, 'every malformed record is a decode error');
    assert.equal(moved('streamd_handler_errors_total', { agent }), BOOMS, 'every throwing click is a handler error');
    // The groupBy forwards the source events itself; the handler takes each click once, regrouped.
    assert.equal(moved('streamd_events_total', { agent }), valid, "the agent's handler took every valid click once");
    assert.equal(moved('streamd_processing_latency_seconds_count', { agent }), valid, 'each event it took has a processing latency');
    assert.ok(moved('streamd_processing_latency_seconds_sum', { agent }) > 0, 'processing takes time');
    assert.equal(moved('streamd_table_writes_total', { table }), CLICKS, 'one table write per counted click');
    assert.equal(moved('streamd_table_reads_total', { table }), CLICKS, 'one table read per counted click');
    assert.ok(moved('streamd_changelog_records_total', { table }) >= PAGES, 'every page written reached the changelog at least once');
    assert.ok(moved('streamd_commits_total') > 0 && moved('streamd_commit_latency_seconds_count') > 0, 'commits were made and timed');
    assert.ok(moved('streamd_send_latency_seconds_count') > 0, 'sends were timed');
    assert.ok(sampleSum(afterTraffic, 'streamd_rebalances_total') >= 1, 'the join counts as a rebalance');
    assert.equal(sampleSum(afterTraffic, 'streamd_leader'), 1, 'the only worker leads');
    assert.ok(moved('streamd_process_cpu_user_seconds_total') > 0, "Node's default metrics move");

    // Recovery: restart without the state directory; the table is rebuilt from its changelog.
    assert.deepEqual(await worker.terminate(), { code: 0, signal: null }, worker.tail());
    await rm(join(datadir, appId), { recursive: true, force: true });
    const changelogEnds = await admin.offsets(changelog);
    const changelogRecords = changelogEnds.reduce((sum, e) => sum + Number(e.latest - e.earliest), 0);
    const restarted = await start();
    const recovered = await scrape(restarted);
    assert.equal(sampleSum(recovered, 'streamd_recovery_records_total', { table }), changelogRecords, 'recovery applied every changelog record');
    assert.equal(sampleSum(recovered, 'streamd_recovery_remaining_records', { table }), 0, 'and has nothing left to apply once ready');
    assert.deepEqual(await restarted.terminate(), { code: 0, signal: null }, restarted.tail());
  });
});
