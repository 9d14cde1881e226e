// `npm run bench -- --peers`: streamd's worker process and the Kafka Streams peer on B2 (count,
// input keyed by user), B3 (B2 per tumbling minute), B4 (groupBy user, then count) and a cold
// restore, on the same broker and preloaded input, interleaved (streamd and the peer alternate who
// goes first), each with a fresh group and state (the restore: the same changelog, an empty state
// dir each time). Per run: records/s (steady window), CPU µs per record and peak RSS of the worker
// process, and whether its final table equals the truth; then streamd's ratios to the peer.

import { createDriver, type Admin, type KafkaDriver } from '../src/kafka/index.js';
import { repoPath } from '../test/kafka/repo-root.js';
import { countMismatches } from './count-truth.js';
import { GROUPED_TOPIC, preloadViewKeyedPageViews, streamdGrouped } from './grouped.js';
import { buildKafkaStreamsPeer, kafkaStreamsCounting } from './peers/kafka-streams.js';
import { kafkaStreamsRestore, streamdRestore, writeRestoreChangelogs } from './peers/restore.js';
import { STATEFUL_TOPIC, preloadKeyedPageViews } from './stateful.js';
import { streamdCounting, type CountingRun } from './streamd-process.js';
import { streamdWindowedProcess, windowMismatches, windowTruth } from './windowed.js';

export type Workload = 'B2' | 'B3' | 'B4' | 'restore';
export const PEER_WORKLOADS: readonly Workload[] = ['B2', 'B3', 'B4', 'restore'];
/** `streamd`, `Kafka Streams`, or `streamd baseline` (another build, BENCH_BASELINE_CLI). */
type System = string;
const BASELINE = 'streamd baseline';

export interface PeerRun extends CountingRun {
  readonly workload: Workload;
  readonly system: System;
  /** Input records; for the restore, the changelog records the system says it restored. */
  readonly records: number;
  /** The restore only: CPU of the main thread per restored record. */
  readonly mainThreadCpuMicrosPerRecord?: number;
}

export interface PeersInput {
  readonly bootstrap: string;
  readonly run: string;
  readonly records: number;
  readonly repeat: number;
  readonly say: (line: string) => void;
  /** Another build's dist/cmd/streamd.js, run as a third system for a before/after ratio. */
  readonly baselineCli?: string;
  /** The workloads to run (default all); a narrower set for a quicker before/after while developing. */
  readonly workloads?: readonly Workload[];
  /** Leaves Kafka Streams out (streamd against its baseline build only). */
  readonly withoutKafkaStreams?: boolean;
  /** Node flags for this build's restore worker (not the baseline's), e.g. `--cpu-prof --cpu-prof-dir=DIR`. */
  readonly restoreNodeArgs?: readonly string[];
}

/** What every run of one peers invocation shares: the broker, the peer's classpath, the B3 truth, the restore app ids. */
interface Shared {
  readonly bootstrap: string;
  readonly driver: KafkaDriver;
  readonly admin: Admin;
  readonly classpath: string;
  readonly records: number;
  readonly windowTruth: ReadonlyMap<string, number>;
  readonly restoreApps: { readonly streamd: string; readonly kafkaStreams: string };
  readonly restoreNodeArgs: readonly string[];
}

/** Runs every workload × system `repeat` times, interleaved; returns every run. */
export async function runPeers(input: PeersInput): Promise<PeerRun[]> {
  const { bootstrap, run, records, repeat, say } = input;
  const classpath = await buildKafkaStreamsPeer(say);
  const driver = createDriver(`kafka://${bootstrap}`);
  const admin = await driver.admin();
  const runs: PeerRun[] = [];
  try {
    await preload(driver, admin, records, say);
    say(`peers: B3's truth, the count per user per tumbling minute of the record timestamp, read back from ${STATEFUL_TOPIC}`);
    const truth = await windowTruth(driver, STATEFUL_TOPIC);
    say(`peers: B3's truth: ${truth.size.toLocaleString('en-US')} windows of ${new Set([...truth.keys()].map((entry) => entry.slice(0, entry.lastIndexOf('@')))).size.toLocaleString('en-US')} users`);
    const restoreApps = { streamd: `bench-peer-restore-${run}`, kafkaStreams: `bench-peer-restore-ks-${run}` };
    say(`peers: restore: writing a changelog of ${records} distinct keys for each system`);
    await writeRestoreChangelogs(driver, admin, restoreApps, records);
    const shared: Shared = { bootstrap, driver, admin, classpath, records, windowTruth: truth, restoreApps, restoreNodeArgs: input.restoreNodeArgs ?? [] };
    for (let round = 0; round < repeat; round++) {
      for (const workload of input.workloads ?? PEER_WORKLOADS) {
        const systems: System[] = ['streamd', ...(input.withoutKafkaStreams === true ? [] : ['Kafka Streams']), ...(input.baselineCli === undefined ? [] : [BASELINE])];
        const order = round % 2 === 0 ? systems : [...systems].reverse();
        for (const [index, system] of order.entries()) {
          const appId = `bench-peer-${workload.toLowerCase()}-${run}-${round}-${index}`;
          say(`peers: ${workload} ${system}, round ${round + 1} of ${repeat}`);
          const result = await runOne(shared, workload, system, appId, system === BASELINE ? input.baselineCli : undefined);
          if (result.mismatches.length > 0) process.exitCode = 1;
          runs.push({ ...result, workload, system });
        }
      }
    }
  } finally {
    await admin.close();
    await driver.close();
  }
  return runs;
}

/** One system on one workload; `cli` runs another build of streamd. */
async function runOne(shared: Shared, workload: Workload, system: System, appId: string, cli: string | undefined): Promise<CountingRun & { records: number; mainThreadCpuMicrosPerRecord?: number }> {
  const { bootstrap, driver, admin, classpath, records, windowTruth: truth, restoreApps } = shared;
  if (workload === 'restore') {
    const nodeArgs = system === 'streamd' ? shared.restoreNodeArgs : [];
    const restore = system === 'Kafka Streams' ? await kafkaStreamsRestore(classpath, bootstrap, restoreApps.kafkaStreams, records) : await streamdRestore(bootstrap, restoreApps.streamd, records, cli, nodeArgs);
    return { ...restore, records: restore.restored };
  }
  if (system === 'Kafka Streams') {
    const source = workload === 'B4' ? GROUPED_TOPIC : STATEFUL_TOPIC;
    const verify = workload === 'B3' ? (found: ReadonlyMap<string, number>) => windowMismatches(found, truth) : (found: ReadonlyMap<string, number>) => countMismatches(found, records);
    return { ...(await kafkaStreamsCounting({ classpath, bootstrap, driver, admin, mode: workload === 'B2' ? 'b2' : workload === 'B3' ? 'b3' : 'b4', appId, source, verify })), records };
  }
  if (workload === 'B3') return { ...(await streamdWindowedProcess(bootstrap, admin, appId, truth, cli)), records };
  return { ...(await streamdRun(workload, bootstrap, admin, appId, records, cli)), records };
}

async function preload(driver: KafkaDriver, admin: Admin, records: number, say: (line: string) => void): Promise<void> {
  await admin.createTopics([STATEFUL_TOPIC, GROUPED_TOPIC].map((topic) => ({ topic, partitions: 4 })));
  const loaded = async (topic: string): Promise<number> => (await admin.offsets(topic)).reduce((sum, p) => sum + Number(p.latest), 0);
  if ((await loaded(STATEFUL_TOPIC)) === 0) {
    say(`peers: preloading ${records} page views keyed by user into ${STATEFUL_TOPIC}`);
    await preloadKeyedPageViews(driver, STATEFUL_TOPIC, records);
  }
  if ((await loaded(GROUPED_TOPIC)) === 0) {
    say(`peers: preloading ${records} page views keyed by view id into ${GROUPED_TOPIC}`);
    await preloadViewKeyedPageViews(driver, GROUPED_TOPIC, records);
  }
}

async function streamdRun(workload: 'B2' | 'B4', bootstrap: string, admin: Admin, appId: string, records: number, cli: string | undefined): Promise<CountingRun> {
  if (workload === 'B4') return streamdGrouped(bootstrap, admin, appId, records, undefined, cli);
  const manifest = repoPath('bench', 'apps', 'stateful', 'app.yaml');
  return streamdCounting({ bootstrap, admin, manifest, appId, source: STATEFUL_TOPIC, internal: [], records, partitions: 4, ...(cli === undefined ? {} : { cli }) });
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** `median [min, max]` over the runs, or the one figure. */
function spread(values: readonly number[], digits: number): string {
  const text = (v: number): string => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  if (values.length === 1) return text(values[0]!);
  return `${text(median(values))} [${text(Math.min(...values))}, ${text(Math.max(...values))}]`;
}

/** The peers table and streamd's ratios (of medians), as lines. */
export function peersReport(runs: readonly PeerRun[]): string[] {
  const lines = [
    'peers: one worker process each, commit every 1 s, JSON values, RocksDB; CPU µs/record = (utime+stime)/records over start → drained, and over the steady 10–90% window',
    'restore: a cold start (empty state dir) restoring a changelog of distinct keys, per restored changelog record: records/s over first partition begun → last restored, ' +
      '(drain) over process start → restored; µs/record (run) = CPU over process start → restored, (steady) = CPU over the restore; peak RSS when restored',
    `${'workload'.padEnd(9)}${'system'.padEnd(17)}${'records/s'.padStart(26)}${'records/s (drain)'.padStart(26)}${'µs/record (run)'.padStart(26)}${'µs/record (steady)'.padStart(26)}${'peak RSS MiB'.padStart(22)}  table`,
  ];
  const of = (workload: Workload, system: System): PeerRun[] => runs.filter((r) => r.workload === workload && r.system === system);
  for (const workload of PEER_WORKLOADS) {
    for (const system of ['streamd', 'Kafka Streams', BASELINE]) {
      const mine = of(workload, system);
      if (mine.length === 0) continue;
      const gate = mine.every((r) => r.mismatches.length === 0) ? 'exact' : `FAIL: ${mine.flatMap((r) => r.mismatches).slice(0, 3).join('; ')}`;
      lines.push(
        `${workload.padEnd(9)}${system.padEnd(17)}${spread(mine.map((r) => r.steadyRecordsPerSec), 0).padStart(26)}${spread(mine.map((r) => r.records / r.drainSeconds), 0).padStart(26)}${spread(mine.map((r) => r.cpuMicrosPerRecord), 1).padStart(26)}` +
          `${spread(mine.map((r) => r.steadyCpuMicrosPerRecord), 1).padStart(26)}${spread(mine.map((r) => r.peakRssBytes / 2 ** 20), 0).padStart(22)}  ${gate}`,
      );
    }
    const streamd = of(workload, 'streamd');
    for (const baseline of ['Kafka Streams', BASELINE]) {
      const peer = of(workload, baseline);
      if (streamd.length === 0 || peer.length === 0) continue;
      const ratio = (pick: (r: PeerRun) => number): string => (median(streamd.map(pick)) / median(peer.map(pick))).toFixed(2);
      lines.push(
        `${workload}: streamd / ${baseline} = ${ratio((r) => r.steadyRecordsPerSec)}× records/s (steady), ${ratio((r) => r.records / r.drainSeconds)}× (drain), ` +
          `${ratio((r) => r.cpuMicrosPerRecord)}× CPU per record (run), ${ratio((r) => r.steadyCpuMicrosPerRecord)}× (steady), ${ratio((r) => r.peakRssBytes)}× peak RSS`,
      );
    }
  }
  const restored = ['streamd', 'Kafka Streams', BASELINE].filter((system) => of('restore', system).length > 0);
  if (restored.length > 0) {
    const each = restored.map((system) => {
      const mine = of('restore', system);
      const wall = mine.map((r) => 1e6 / r.steadyRecordsPerSec);
      // A JVM's main thread is not its stream thread: the figure is streamd's event loop only.
      const mainThread = system === 'Kafka Streams' ? undefined : mine.map((r) => r.mainThreadCpuMicrosPerRecord ?? 0);
      const threadPart = mainThread === undefined ? '' : `, ${spread(mainThread, 2)} µs main-thread CPU`;
      return `${system} ${[...new Set(mine.map((r) => r.records.toLocaleString('en-US')))].join(' / ')} records, ${spread(wall, 1)} µs wall per record${threadPart}`;
    });
    lines.push(`restore: changelog records restored per run: ${each.join('; ')}`);
  }
  return lines;
}
