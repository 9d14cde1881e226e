// `npm run bench`: starts a real broker (JIT on, as in production), loads the data, and prints each
// streamd figure beside a baseline measured in the same run. Figures are reported, never asserted.
// drivers also runs raw kafkajs beside raw @platformatic/kafka on Node 24 (bench/clients.ts).
// Usage: node dist/bench/index.js [--records N] [--only drivers,stateless,stateful,grouped,recovery,failover] [--json]
//   [--cpu-prof DIR] (B4's worker process, and with --peers this build's restore worker, writes a V8 CPU profile into DIR)
//   [--peers [--repeat N]] (streamd's process beside Kafka Streams 3.9.1 on B2, B3, B4 and a cold restore; alone unless --only is given)
//   [--peer-workloads B4,restore] [--without-kafka-streams] (a narrower peers run: a quicker before/after with BENCH_BASELINE_CLI)
//   [--node24] (streamd's worker processes run on Node 24, the image's runtime; BENCH_STREAMD_NODE names any other node binary)
// stateful needs B1's figures as its baselines: it runs the stateless workload when --only leaves it out.
// stateful runs B2 under at_least_once and exactly_once; the EOS row is a ratio to the at_least_once one, by the steady
// window and by the whole drain (exactly_once commits whole transactions at once, which shortens its steady window).

import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createDriver } from '../src/kafka/index.js';
import { changelogTopic } from '../src/worker/index.js';
import { ensureKafkaJars } from '../test/kafka/jars.js';
import { TestBroker } from '../test/kafka/broker.js';
import { node24 } from '../test/helpers/deploy-tools.js';
import { clientRows } from './clients.js';
import { consumeThroughput, produceThroughput } from './driver-throughput.js';
import { FAILOVER_SESSION_TIMEOUT_MS, streamdFailover } from './failover.js';
import { consumerPerformance, producerPerformance } from './java-perf.js';
import type { DrainResult } from './drain-watch.js';
import { RECOVERY_INPUT, buildChangelog, readChangelog, streamdRecovery } from './recovery.js';
import { groupedWorkload } from './grouped.js';
import { PEER_WORKLOADS, peersReport, runPeers, type PeerRun, type PeersInput, type Workload } from './peers.js';
import type { Row } from './report-row.js';
import { STATEFUL_KEYS, STATEFUL_TOPIC, preloadKeyedPageViews, streamdStateful } from './stateful.js';
import { workerNode } from './streamd-process.js';
import { streamdWindowed, windowTruth } from './windowed.js';
import { preloadPageViews, rawKafkajs, streamdStateless } from './stateless.js';

/** B1's two figures, which B2 is also divided by. */
interface StatelessFigures {
  readonly raw: DrainResult;
  readonly streamd: DrainResult;
}

const WORKLOADS = ['drivers', 'stateless', 'stateful', 'grouped', 'recovery', 'failover'];

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    only: { type: 'string' },
    /** streamd's process beside the Kafka Streams peer on B2, B3, B4 and a cold restore (alone unless --only names workloads too). */
    peers: { type: 'boolean', default: false },
    /** Rounds of the peers comparison (median, min, max). */
    repeat: { type: 'string', default: '1' },
    /** Some of the peers workloads (B2, B3, B4, restore); default all. */
    'peer-workloads': { type: 'string' },
    /** The peers comparison without Kafka Streams: streamd beside BENCH_BASELINE_CLI only. */
    'without-kafka-streams': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    /** A directory: the B4 worker process (with --peers: this build's restore worker) runs with --cpu-prof and writes its profile there. */
    'cpu-prof': { type: 'string' },
    /** streamd's worker processes run on Node 24 (the image's runtime; fetched into .cache/tools on first use). */
    node24: { type: 'boolean', default: false },
  },
});
const workloads = new Set((values.only ?? (values.peers ? '' : WORKLOADS.join(','))).split(',').map((w) => w.trim()).filter((w) => w.length > 0));
const records = Number(values.records);
const recordSize = 100;
const partitions = 4;
/** The 1-minute load average when the run started: other work on the machine makes every figure noisy. */
const loadAtStart = loadavg()[0] ?? 0;
const say = (line: string): void => {
  if (!values.json) process.stderr.write(`${line}\n`);
};

async function main(): Promise<void> {
  const unknown = [...workloads].filter((w) => !WORKLOADS.includes(w));
  if (unknown.length > 0) throw new Error(`--only: unknown workload ${unknown.join(', ')}; choose from ${WORKLOADS.join(', ')}`);
  const { classpath, version } = await ensureKafkaJars({ log: say });
  if (values.node24) process.env['BENCH_STREAMD_NODE'] = await node24();
  say(`streamd's worker processes run on ${workerNode() === process.execPath ? `this Node, ${process.version}` : `Node 24 (${workerNode()})`}`);
  const broker = await TestBroker.start({ classpath, jvmFast: false, heapMb: 1024, log: say });
  const rows: Row[] = [];
  const notes: string[] = [];
  const peers: PeerRun[] = [];
  const run = randomUUID().slice(0, 8);
  try {
    say(`broker: Kafka ${version} on ${broker.bootstrap}, ready in ${(broker.startedMs / 1000).toFixed(2)} s`);
    if (workloads.has('drivers')) rows.push(...(await driverWorkload(classpath, broker.bootstrap, run, notes)));
    if (workloads.has('stateless') || workloads.has('stateful')) {
      if (!workloads.has('stateless')) say('stateless (B1): run as the baselines of stateful (B2)');
      const b1 = await statelessWorkload(classpath, broker.bootstrap, run);
      rows.push(...b1.rows);
      if (workloads.has('stateful')) rows.push(...(await statefulWorkload(broker.bootstrap, run, b1, notes)));
    }
    if (workloads.has('grouped')) {
      const driver = createDriver(`kafka://${broker.bootstrap}`);
      const admin = await driver.admin();
      const cpuProf = values['cpu-prof'];
      try {
        const input = { bootstrap: broker.bootstrap, driver, admin, run, records, say };
        rows.push(...(await groupedWorkload(cpuProf === undefined ? input : { ...input, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] }, notes)));
      } finally {
        await admin.close();
        await driver.close();
      }
    }
    if (values.peers) {
      const cpuProf = values['cpu-prof'];
      const restoreNodeArgs = cpuProf === undefined ? {} : { restoreNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] };
      peers.push(...(await runPeers({ bootstrap: broker.bootstrap, run, records, repeat: Number(values.repeat), say, ...baselineCli(), ...peerSelection(), ...restoreNodeArgs })));
    }
    if (workloads.has('recovery')) rows.push(...(await recoveryWorkload(classpath, broker.bootstrap, run, notes)));
    if (workloads.has('failover')) {
      // A time, not a rate: it goes with the notes.
      const failover = await streamdFailover(broker.bootstrap, say);
      notes.push(
        `failover: kill -9 of one of two workers and its restart at once → both processing every partition again in ${failover.resumedMs} ms ` +
          `(survivor reassigned after ${failover.survivorAssignedMs} ms; session timeout ${FAILOVER_SESSION_TIMEOUT_MS} ms).`,
      );
    }
  } finally {
    await broker.stop();
  }
  report(rows, notes, broker.startedMs, peers);
}

/** --peer-workloads and --without-kafka-streams, checked. */
function peerSelection(): Pick<PeersInput, 'workloads' | 'withoutKafkaStreams'> {
  const listed = values['peer-workloads'];
  const chosen = listed === undefined ? undefined : listed.split(',').map((w) => w.trim()).filter((w) => w.length > 0);
  const unknown = (chosen ?? []).filter((w) => !(PEER_WORKLOADS as readonly string[]).includes(w));
  if (unknown.length > 0) throw new Error(`--peer-workloads: unknown workload ${unknown.join(', ')}; choose from ${PEER_WORKLOADS.join(', ')}`);
  return { ...(chosen === undefined ? {} : { workloads: chosen as Workload[] }), withoutKafkaStreams: values['without-kafka-streams'] };
}

/** BENCH_BASELINE_CLI: another build's dist/cmd/streamd.js, run beside this one in the peers comparison. */
function baselineCli(): { baselineCli?: string } {
  const cli = process.env['BENCH_BASELINE_CLI'];
  return cli === undefined || cli === '' ? {} : { baselineCli: cli };
}

async function statelessWorkload(classpath: string, bootstrap: string, run: string): Promise<StatelessFigures & { rows: Row[] }> {
  const kafka = createDriver(`kafka://${bootstrap}`);
  const admin = await kafka.admin();
  try {
    await admin.createTopics(['pageviews', 'pageviews_out', 'pageviews_raw_out'].map((topic) => ({ topic, partitions })));
    say(`stateless (B1): preloading ${records} JSON page views of about 100 B into 4 partitions`);
    await preloadPageViews(classpath, bootstrap, 'pageviews', records);
    say('stateless (B1): raw kafkajs eachBatch consume → transform → produce loop');
    const raw = await rawKafkajs(bootstrap, admin, 'pageviews', 'pageviews_raw_out', `bench-raw-${run}`);
    say('stateless (B1): streamd filter → map → sink');
    const streamd = await streamdStateless(bootstrap, admin, `bench-streamd-${run}`);
    say('stateless (B1): the same under exactly_once (one transaction per input partition and commit)');
    const eos = await streamdStateless(bootstrap, admin, `bench-streamd-eos-${run}`, 'exactly_once');
    const rows: Row[] = [
      // In this process kafkajs carries streamd's wire patches (wire-patches.ts, loaded with the driver): the raw loop
      // is kafkajs as streamd runs it, a stronger baseline than stock kafkajs (bench/clients.ts has stock beside it).
      { workload: 'B1', subject: `raw kafkajs loop, wire-patched (drain ${raw.drainSeconds.toFixed(1)} s)`, recordsPerSec: raw.steadyRecordsPerSec },
      {
        workload: 'B1',
        subject: `streamd stateless (drain ${streamd.drainSeconds.toFixed(1)} s)`,
        recordsPerSec: streamd.steadyRecordsPerSec,
        ratios: [{ baseline: 'raw kafkajs loop', value: streamd.steadyRecordsPerSec / raw.steadyRecordsPerSec }],
      },
      {
        workload: 'B1',
        subject: `streamd stateless exactly_once, ${partitions} transactional producers (drain ${eos.drainSeconds.toFixed(1)} s)`,
        recordsPerSec: eos.steadyRecordsPerSec,
        // exactly_once's committed offsets move a whole transaction at a time, which shortens its
        // 10–90% window: the whole drain is the fair comparison with at_least_once.
        ratios: [
          { baseline: 'streamd stateless', value: eos.steadyRecordsPerSec / streamd.steadyRecordsPerSec },
          { baseline: 'streamd stateless by whole drain', value: streamd.drainSeconds / eos.drainSeconds },
          { baseline: 'raw kafkajs loop', value: eos.steadyRecordsPerSec / raw.steadyRecordsPerSec },
        ],
      },
    ];
    return { raw, streamd, rows };
  } finally {
    await admin.close();
    await kafka.close();
  }
}

async function driverWorkload(classpath: string, bootstrap: string, run: string, notes: string[]): Promise<Row[]> {
  const rows: Row[] = [];
  const broker = { bootstrap };
  {
    const kafka = createDriver(`kafka://${broker.bootstrap}`);
    const memory = createDriver(`memory://bench-${run}`);
    try {
      const javaTopic = `bench-java-${run}`;
      const kafkajsTopic = `bench-kafkajs-${run}`;
      const admin = await kafka.admin();
      await admin.createTopics([javaTopic, kafkajsTopic].map((topic) => ({ topic, partitions })));
      const memoryAdmin = await memory.admin();
      await memoryAdmin.createTopics([{ topic: kafkajsTopic, partitions }]);

      say(`produce: ${records} records of ${recordSize} B to ${partitions} partitions, acks=all, idempotent`);
      const javaProduce = await producerPerformance(classpath, broker.bootstrap, javaTopic, records, recordSize);
      rows.push({ workload: 'produce', subject: 'ProducerPerformance (Java)', recordsPerSec: javaProduce.recordsPerSec });
      const kafkajsProduce = await produceThroughput(kafka, kafkajsTopic, records, recordSize);
      rows.push({ workload: 'produce', subject: 'streamd kafkajs driver', recordsPerSec: kafkajsProduce.recordsPerSec, ratios: [{ baseline: 'ProducerPerformance', value: kafkajsProduce.recordsPerSec / javaProduce.recordsPerSec }] });
      const memoryProduce = await produceThroughput(memory, kafkajsTopic, records, recordSize);
      rows.push({ workload: 'produce', subject: 'streamd memory driver', recordsPerSec: memoryProduce.recordsPerSec, ratios: [{ baseline: 'ProducerPerformance', value: memoryProduce.recordsPerSec / javaProduce.recordsPerSec }] });

      say(`consume: the ${records} records ProducerPerformance wrote, fresh group, from the beginning`);
      const javaConsume = await consumerPerformance(classpath, broker.bootstrap, javaTopic, records, `bench-java-${run}`);
      rows.push({ workload: 'consume', subject: 'ConsumerPerformance (Java, fetch.nMsg.sec)', recordsPerSec: javaConsume.recordsPerSec });
      const kafkajsConsume = await consumeThroughput(kafka, javaTopic, records, `bench-kafkajs-${run}`);
      rows.push({ workload: 'consume', subject: 'streamd kafkajs driver', recordsPerSec: kafkajsConsume.recordsPerSec, ratios: [{ baseline: 'ConsumerPerformance', value: kafkajsConsume.recordsPerSec / javaConsume.recordsPerSec }] });
      const memoryConsume = await consumeThroughput(memory, kafkajsTopic, records, `bench-memory-${run}`);
      rows.push({ workload: 'consume', subject: 'streamd memory driver', recordsPerSec: memoryConsume.recordsPerSec, ratios: [{ baseline: 'ConsumerPerformance', value: memoryConsume.recordsPerSec / javaConsume.recordsPerSec }] });
      await admin.deleteTopics([javaTopic, kafkajsTopic]);
      const clients = await clientRows({ classpath, bootstrap, admin, run, records, partitions, say });
      rows.push(...clients.rows);
      notes.push(...clients.notes);
    } finally {
      await Promise.allSettled([kafka.close(), memory.close()]);
    }
  }
  return rows;
}

/**
 * B2: the stateful count, on the same number of records as B1 but keyed by user, divided by both
 * B1 figures of this run. The table is written straight from the keyed input (no groupBy).
 */
async function statefulWorkload(bootstrap: string, run: string, b1: StatelessFigures | undefined, notes: string[]): Promise<Row[]> {
  const kafka = createDriver(`kafka://${bootstrap}`);
  const admin = await kafka.admin();
  try {
    await admin.createTopics([{ topic: STATEFUL_TOPIC, partitions }]);
    say(`stateful (B2): preloading ${records} JSON page views keyed by user (${STATEFUL_KEYS.toLocaleString('en-US')} keys) into ${partitions} partitions`);
    const preloadStarted = performance.now();
    await preloadKeyedPageViews(kafka, STATEFUL_TOPIC, records);
    say(`stateful (B2): preloaded in ${((performance.now() - preloadStarted) / 1000).toFixed(1)} s`);
    say('stateful (B2): streamd counts[key] += 1 into a RocksDB table, straight from the keyed input (co-partitioned, no groupBy)');
    const result = await streamdStateful(bootstrap, admin, `bench-stateful-${run}`, records);
    const rate = result.steadyRecordsPerSec;
    notes.push(
      'B2 app: keyed by the record key; the table is written straight from the keyed source topic (tables are co-partitioned with the event), no groupBy or repartition topic.',
      `B2 changelog: ${result.changelogRecords.toLocaleString('en-US')} records for ${records.toLocaleString('en-US')} input records = ` +
        `${(result.changelogRecords / records).toFixed(3)} per input record (changelog end offsets; streamd_changelog_records_total says ${result.changelogRecordsMetric.toLocaleString('en-US')}).`,
      result.mismatches.length === 0
        ? `B2 correctness gate: pass (${Math.min(records, STATEFUL_KEYS).toLocaleString('en-US')} keys in the stores, counts sum to ${records.toLocaleString('en-US')}).`
        : `B2 correctness gate: FAIL: ${result.mismatches.join('; ')}.`,
    );
    say('stateful (B2): the same under exactly_once (changelog records, sink records and offsets in one transaction per partition)');
    const eos = await streamdStateful(bootstrap, admin, `bench-stateful-eos-${run}`, records, 'exactly_once');
    notes.push(
      eos.mismatches.length === 0
        ? 'B2 exactly_once correctness gate: pass.'
        : `B2 exactly_once correctness gate: FAIL: ${eos.mismatches.join('; ')}.`,
      `exactly_once holds one transactional producer per assigned input partition: ${partitions} here (one worker, ${partitions} partitions); the bound is the partitions a worker is assigned.`,
    );
    if (result.mismatches.length > 0 || eos.mismatches.length > 0) process.exitCode = 1;
    say('windowed (B3): streamd counts[key] += 1 per tumbling minute of the record timestamp, over the same input');
    const windowed = await streamdWindowed(bootstrap, admin, `bench-windowed-${run}`, await windowTruth(kafka, STATEFUL_TOPIC));
    notes.push(
      `B3 app: B2's count in a tumbling 1-minute window (one or two windows per key, as the input is produced within a minute or two); ${windowed.windows.toLocaleString('en-US')} windows. ` +
        (windowed.mismatches.length === 0 ? 'Correctness gate: pass (every window equals the count read back from the input).' : `Correctness gate: FAIL: ${windowed.mismatches.join('; ')}.`),
    );
    if (windowed.mismatches.length > 0) process.exitCode = 1;
    return [
      {
        workload: 'B2',
        subject: `streamd stateful count (drain ${result.drainSeconds.toFixed(1)} s)`,
        recordsPerSec: rate,
        ...(b1 === undefined
          ? {}
          : {
              ratios: [
                { baseline: 'streamd stateless', value: rate / b1.streamd.steadyRecordsPerSec },
                { baseline: 'raw kafkajs loop', value: rate / b1.raw.steadyRecordsPerSec },
              ],
            }),
      },
      {
        workload: 'B2',
        subject: `streamd stateful count exactly_once (drain ${eos.drainSeconds.toFixed(1)} s)`,
        recordsPerSec: eos.steadyRecordsPerSec,
        ratios: [
          { baseline: 'streamd stateful count', value: eos.steadyRecordsPerSec / rate },
          { baseline: 'streamd stateful count by whole drain', value: result.drainSeconds / eos.drainSeconds },
        ],
      },
      {
        workload: 'B3',
        subject: `streamd windowed count, tumbling 1 min (drain ${windowed.drainSeconds.toFixed(1)} s)`,
        recordsPerSec: windowed.steadyRecordsPerSec,
        ratios: [{ baseline: 'streamd stateful (B2)', value: windowed.steadyRecordsPerSec / rate }],
      },
    ];
  } finally {
    await admin.close();
    await kafka.close();
  }
}

/**
 * B5: a changelog of `records` distinct keys, read by ConsumerPerformance (the baseline) and by the
 * kafkajs driver doing nothing (the Node ceiling), then restored by a worker with an empty datadir.
 * The restore alone is divided by fetch.nMsg.sec and the driver's rate (none of them counts the
 * group join); worker created → ready by nMsg.sec (both count it).
 */
async function recoveryWorkload(classpath: string, bootstrap: string, run: string, notes: string[]): Promise<Row[]> {
  const appId = `bench-recovery-${run}`;
  const changelog = changelogTopic(appId, 'counts');
  const kafka = createDriver(`kafka://${bootstrap}`);
  const admin = await kafka.admin();
  try {
    await admin.createTopics([
      { topic: changelog, partitions, config: { 'cleanup.policy': 'compact' } },
      { topic: RECOVERY_INPUT, partitions },
    ]);
    say(`recovery (B5): writing ${records} changelog records of ${records} distinct keys to ${changelog}`);
    const buildStarted = performance.now();
    await buildChangelog(kafka, changelog, records, partitions);
    const changelogRecords = (await admin.offsets(changelog)).reduce((sum, p) => sum + Number(p.latest), 0);
    say(`recovery (B5): written in ${((performance.now() - buildStarted) / 1000).toFixed(1)} s`);
    say('recovery (B5): ConsumerPerformance on the changelog, fresh group');
    const java = await consumerPerformance(classpath, bootstrap, changelog, changelogRecords, `bench-java-recovery-${run}`);
    say('recovery (B5): the streamd kafkajs driver reading the changelog, no-op (the Node client ceiling)');
    const client = await readChangelog(kafka, changelog, changelogRecords, `bench-kafkajs-recovery-${run}`);
    say('recovery (B5): streamd worker with an empty datadir, until it is ready');
    const result = await streamdRecovery(bootstrap, appId, say);
    const rows: Row[] = [
      { workload: 'B5', subject: 'ConsumerPerformance on changelog (fetch.nMsg.sec)', recordsPerSec: java.recordsPerSec },
      {
        workload: 'B5',
        subject: 'kafkajs driver, no-op read of changelog',
        recordsPerSec: client.recordsPerSec,
        ratios: [{ baseline: 'ConsumerPerformance fetch', value: client.recordsPerSec / java.recordsPerSec }],
      },
    ];
    if (result.recoverySeconds !== undefined) {
      const rate = changelogRecords / result.recoverySeconds;
      rows.push({
        workload: 'B5',
        subject: `streamd restore (tables recovered in ${result.recoverySeconds.toFixed(1)} s)`,
        recordsPerSec: rate,
        ratios: [
          { baseline: 'ConsumerPerformance fetch', value: rate / java.recordsPerSec },
          { baseline: 'driver no-op read', value: rate / client.recordsPerSec },
        ],
      });
    }
    const overall = java.overallRecordsPerSec ?? java.recordsPerSec;
    const readyRate = changelogRecords / result.readySeconds;
    rows.push(
      { workload: 'B5', subject: 'ConsumerPerformance with group join (nMsg.sec)', recordsPerSec: overall },
      {
        workload: 'B5',
        subject: `streamd worker created → ready (${result.readySeconds.toFixed(1)} s)`,
        recordsPerSec: readyRate,
        ratios: [{ baseline: 'ConsumerPerformance with join', value: readyRate / overall }],
      },
    );
    const isComplete = result.recordsApplied === changelogRecords && result.keysInStores === records;
    notes.push(
      `B5 per partition (the worker's recovered lines): ${result.partitions.map((p) => `[${p.partition}] ${p.records.toLocaleString('en-US')} in ${p.seconds.toFixed(1)} s`).join(', ')}.`,
      `B5 completeness: ${isComplete ? 'pass' : 'FAIL'} (${result.recordsApplied.toLocaleString('en-US')} records applied of ${changelogRecords.toLocaleString('en-US')}, ` +
        `${result.keysInStores.toLocaleString('en-US')} keys in the stores of ${records.toLocaleString('en-US')}).`,
    );
    if (!isComplete) process.exitCode = 1;
    return rows;
  } finally {
    await admin.close();
    await kafka.close();
  }
}

function report(rows: readonly Row[], notes: readonly string[], brokerStartMs: number, peers: readonly PeerRun[]): void {
  const load = { atStart: loadAtStart, atEnd: loadavg()[0] ?? 0 };
  const env = { node: process.version, kafka: '3.9.1', cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, records, recordSize, partitions, load };
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ env, brokerStartMs, rows, notes, peers }, null, 2)}\n`);
    return;
  }
  const lines = [`broker start: ${(brokerStartMs / 1000).toFixed(2)} s (format + JVM start + admin API answering)`, ''];
  if (rows.length > 0) lines.push(`${'workload'.padEnd(9)} ${'subject'.padEnd(52)} ${'records/s'.padStart(11)}  ratio to baseline`);
  for (const row of rows) {
    const ratio = row.ratios === undefined ? '(baseline)' : row.ratios.map((r) => `${r.value.toFixed(2)} × ${r.baseline}`).join(', ');
    lines.push(`${row.workload.padEnd(9)} ${row.subject.padEnd(52)} ${Math.round(row.recordsPerSec).toLocaleString('en-US').padStart(11)}  ${ratio}`);
  }
  if (notes.length > 0) lines.push('', ...notes);
  if (peers.length > 0) lines.push('', ...peersReport(peers));
  lines.push('', `node ${env.node}, ${env.cores} × ${env.cpu}, 1-min load average ${load.atStart.toFixed(1)} at start and ${load.atEnd.toFixed(1)} at end`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
