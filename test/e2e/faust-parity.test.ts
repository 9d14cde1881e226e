// The Faust-parity app (test/fixtures/apps/faust-parity), written from the README, on the real broker:
// an order sent with `streamd send` to a json|gzip topic reaches its agent with the model's default
// filled in; the agent asks a channel-fed agent for each of its 100 items with agent.map and gets the
// answers back in order (the channel's model default applied to each); a function sink receives every
// item; the result lands on a json|gzip topic whose raw bytes are gzip and whose value round-trips; a
// send with partition and timestamp lands there with that time. `streamd send --repeat 2` sends it twice.

import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { createDriver } from '../../src/kafka/index.js';
import { runStreamd } from '../fixtures/cli/cli-process.js';
import { collectRecords, type RecordCollector } from '../helpers/collect.js';
import { uniqueName } from '../helpers/unique-name.js';
import { waitFor } from '../helpers/wait-for.js';
import { repoPath } from '../kafka/repo-root.js';
import { Daemon } from './helpers/daemon.js';
import { brokerAddress } from './helpers/pipeline-app.js';

const ITEMS = 100;

describe('a Faust-style app: model default, channel-fed agent, agent.map, function sink, json|gzip', { timeout: 120_000 }, () => {
  const appId = uniqueName('e2e-faust');
  const broker = `kafka://${brokerAddress()}`;
  const driver = createDriver(broker);
  let root: string | undefined;
  let daemon: Daemon | undefined;
  let collector: RecordCollector | undefined;
  after(async () => {
    await daemon?.kill9().catch(() => undefined);
    await collector?.consumer.stop().catch(() => undefined);
    await driver.close().catch(() => undefined);
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  it('prices every item of an order in order, through the channel agent and into the sink', async () => {
    root = await mkdtemp(join(tmpdir(), `${appId}-`));
    const app = join(root, 'app');
    await cp(repoPath('test', 'fixtures', 'apps', 'faust-parity'), app, { recursive: true });
    const manifest = join(app, 'app.yaml');
    // Topics of their own on the shared broker: the fixture's names with this run's suffix.
    const suffix = appId.replace(/-/g, '_');
    const [orders, pricedTopic, audit, taxes] = [`orders_${suffix}`, `priced_${suffix}`, `audit_${suffix}`, `taxes_${suffix}`];
    const text = await readFile(manifest, 'utf8');
    await writeFile(manifest, text.replace(/\borders:/g, `${orders}:`).replace(/\bpriced:/g, `${pricedTopic}:`).replace(/\baudit:/g, `${audit}:`).replace(/\btaxes:/g, `${taxes}:`).replace('topic: taxes', `topic: ${taxes}`).replace('topic: orders', `topic: ${orders}`).replace('sinks: [priced]', `sinks: [${pricedTopic}]`));
    const sinkFile = join(root, 'sink.jsonl');
    const env = { APP_ID: appId, STREAMD_BROKER: broker, STREAMD_DATADIR: join(root, 'data'), SINK_FILE: sinkFile, AUDIT_TOPIC: audit };
    daemon = await Daemon.start({ manifest, args: ['--web-host', '127.0.0.1'], env });

    // The order leaves out `currency`: the Order model's default (EUR) is applied when the agent reads it.
    const at = Date.UTC(2024, 0, 2, 3, 4, 5);
    const order = { id: 'o-1', count: ITEMS, at };
    const sent = await runStreamd(['send', orders, JSON.stringify(order), '--key', 'o-1', '--repeat', '2', '--json', '--manifest', manifest], { env });
    assert.equal(sent.code, 0, sent.stderr);
    const landed = sent.stdout.trim().split('\n').map((line) => JSON.parse(line) as { offset: string });
    assert.equal(landed.length, 2, 'send --repeat 2 prints two landings');

    collector = await collectRecords(await driver.consumer({ groupId: uniqueName('faust-check') }), [pricedTopic, orders, audit]);
    await collector.until((records) => records.filter((r) => r.topic === pricedTopic).length >= 2, { timeoutMs: 60_000, message: `both priced orders; the worker:\n${daemon.tail(15)}` });

    // The input topic's bytes as `streamd send` wrote them: gzip of the JSON the user typed.
    const input = collector.records.find((r) => r.topic === orders)!;
    assert.deepEqual([...input.value!.subarray(0, 2)], [0x1f, 0x8b], 'the orders record is gzip');
    assert.deepEqual(JSON.parse(gunzipSync(input.value!).toString('utf8')), order);
    assert.equal(collector.records.filter((r) => r.topic === orders).length, 2, 'two order records');

    // The handler's send with partition 2 and the order's time as the record timestamp.
    const audits = (await collector.until((records) => records.filter((r) => r.topic === audit).length >= 2, { timeoutMs: 30_000, message: 'two audit records' }))
      .filter((r) => r.topic === audit);
    assert.deepEqual(audits.map((r) => [r.partition, r.timestamp, r.key?.toString('utf8')]), [[2, at, 'o-1'], [2, at, 'o-1']]);

    const output = collector.records.filter((r) => r.topic === pricedTopic);
    assert.equal(output.length, 2);
    assert.deepEqual(output[0]!.value, output[1]!.value, 'both orders priced alike');
    const raw = output[0]!.value!;
    assert.deepEqual([...raw.subarray(0, 2)], [0x1f, 0x8b], 'the priced record is gzip');
    const priced = JSON.parse(gunzipSync(raw).toString('utf8')) as { id: string; currency: string; answers: { n: number; price: number; unit: string }[]; taxes: string[] };
    assert.equal(priced.id, 'o-1');
    assert.equal(priced.currency, 'EUR', "the Order model's default");
    assert.equal(priced.answers.length, ITEMS);
    assert.deepEqual(priced.answers.map((a) => a.n), Array.from({ length: ITEMS }, (_, n) => n), 'agent.map answers in input order');
    assert.ok(priced.answers.every((a) => a.price === a.n * a.n && a.unit === 'piece'), "each answer priced, with the Item model's default");
    assert.equal(output[0]!.key?.toString('utf8'), 'o-1', 'the sink record keeps the order key');
    assert.deepEqual(priced.taxes, Array.from({ length: ITEMS }, (_, n) => `item-${n}:${n * 2}`), 'kvjoin over Kafka: answers in input order, each value with its key');

    // The function sink saw every item, each from the channel (no topic, no offset).
    const sunk = await waitFor(async () => {
      const lines = (await readFile(sinkFile, 'utf8').catch(() => '')).split('\n').filter(Boolean);
      return lines.length >= 2 * ITEMS && lines;
    }, { timeoutMs: 10_000, intervalMs: 50, message: 'the sink file holding every item' });
    const entries = sunk.map((line) => JSON.parse(line) as { value: { n: number }; topic: string });
    assert.equal(entries.length, 2 * ITEMS);
    assert.deepEqual(entries.map((e) => e.value.n).sort((a, b) => a - b), Array.from({ length: 2 * ITEMS }, (_, i) => Math.floor(i / 2)));
    assert.ok(entries.every((e) => e.topic === 'channel:items'));
    console.log(`faust parity: ${ITEMS} items priced through agent.map over channel items; sink got ${entries.length} over 2 orders; priced record ${raw.length} gzip bytes`);

    assert.deepEqual(await daemon.terminate(), { code: 0, signal: null }, daemon.tail());
  });
});
