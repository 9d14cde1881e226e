// The restore row of the peers run: each system restores the same table cold (empty state dir) from
// a changelog the bench wrote in that system's format — `records` distinct keys, one record each, in
// 4 partitions by the key's murmur2 hash — so both restore the same number of changelog records.
// streamd: bench/apps/recovery as a `streamd start` process, timed by its `recovering counts[p]` and
// `tables recovered` log lines; Kafka Streams: BenchCount restore, timed by its StateRestoreListener.
// Each process's CPU time is read from /proc when its restore begins and ends, its peak RSS at the
// end; then its restored table is checked (keys and the sum of their counts).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { partitionForKey, type Admin, type KafkaDriver, type ProducerRecord } from '../../src/kafka/index.js';
import { loadManifest } from '../../src/manifest/index.js';
import { changelogTopic } from '../../src/worker/index.js';
import { javaExecutable } from '../../test/kafka/java-command.js';
import { terminate, trackExit, type ChildExit } from '../../test/kafka/child-exit.js';
import { OutputTail, forEachLine } from '../../test/kafka/output-tail.js';
import { repoPath } from '../../test/kafka/repo-root.js';
import { storeCounts } from '../count-truth.js';
import { sendPipelined } from '../pipelined-sends.js';
import { cpuMicros, mainThreadCpuMicros, peakRssBytes } from '../proc-stats.js';
import { RECOVERY_INPUT, buildChangelog } from '../recovery.js';
import { workerNode, type CountingRun } from '../streamd-process.js';
import { benchCountArgs, countsChangelog } from './kafka-streams.js';

const PARTITIONS = 4;
const RESTORE_TIMEOUT_MS = 600_000;

/** A cold restore, in the fields of a counting run: steady = the restore itself, drain = process start → restored. */
export interface RestoreRun extends CountingRun {
  /** Changelog records the system says it restored. */
  readonly restored: number;
  /** CPU of the process's main thread over the restore, per record (streamd: the event loop's share). */
  readonly mainThreadCpuMicrosPerRecord: number;
}

/** Creates the (empty) input of both restore apps and writes each system's changelog of `records` keys. */
export async function writeRestoreChangelogs(driver: KafkaDriver, admin: Admin, apps: { streamd: string; kafkaStreams: string }, records: number): Promise<void> {
  const compacted = { partitions: PARTITIONS, config: { 'cleanup.policy': 'compact' } };
  await admin.createTopics([{ topic: RECOVERY_INPUT, partitions: PARTITIONS }, { topic: changelogTopic(apps.streamd, 'counts'), ...compacted }, { topic: countsChangelog(apps.kafkaStreams), ...compacted }]);
  await buildChangelog(driver, changelogTopic(apps.streamd, 'counts'), records, PARTITIONS);
  // Kafka Streams' count changelog: String keys, 8-byte big-endian Long values, no headers.
  const topic = countsChangelog(apps.kafkaStreams);
  const one = Buffer.alloc(8);
  one.writeBigInt64BE(1n);
  const batches = function* (): Generator<ProducerRecord[]> {
    for (let start = 0; start < records; start += 10_000) {
      const batch: ProducerRecord[] = [];
      for (let n = start; n < Math.min(records, start + 10_000); n++) {
        const key = Buffer.from(`k-${String(n).padStart(7, '0')}`);
        batch.push({ topic, partition: partitionForKey(key, PARTITIONS), key, value: one });
      }
      yield batch;
    }
  };
  const producer = await driver.producer({ acks: 'all' });
  try {
    await sendPipelined(producer, batches(), 4);
  } finally {
    await producer.close();
  }
}

/**
 * What a restoring process reported, as its lines arrive: when its first partition began (CPU time
 * read then) and when the last ended (CPU time and peak RSS read then).
 */
class RestoreWatch {
  readonly #pid: number;
  readonly #spawnedMs: number;
  readonly #cpuAtSpawn: number;
  #begun: { atMs: number; cpu: number; mainThreadCpu: number } | undefined;
  readonly restored = new Map<number, number>();
  #done: ((run: Omit<RestoreRun, 'mismatches'>) => void) | undefined;
  readonly finished: Promise<Omit<RestoreRun, 'mismatches'>>;

  constructor(pid: number, spawnedMs: number) {
    this.#pid = pid;
    this.#spawnedMs = spawnedMs;
    this.#cpuAtSpawn = cpuMicros(pid);
    this.finished = new Promise((resolve) => (this.#done = resolve));
  }

  /** A partition's restore began, at `atMs` by the process's clock (epoch ms). */
  begun(atMs: number): void {
    this.#begun ??= { atMs, cpu: cpuMicros(this.#pid), mainThreadCpu: mainThreadCpuMicros(this.#pid) };
  }

  /** Every partition is restored, at `atMs` by the process's clock. */
  ended(atMs: number): void {
    if (this.#begun === undefined || this.#done === undefined) return;
    const cpu = cpuMicros(this.#pid);
    const mainThreadCpu = mainThreadCpuMicros(this.#pid);
    const restored = [...this.restored.values()].reduce((a, b) => a + b, 0);
    const seconds = Math.max(0.001, (atMs - this.#begun.atMs) / 1000);
    this.#done({
      restored,
      drainSeconds: (performance.now() - this.#spawnedMs) / 1000,
      steadyRecordsPerSec: restored / seconds,
      cpuMicrosPerRecord: (cpu - this.#cpuAtSpawn) / restored,
      steadyCpuMicrosPerRecord: (cpu - this.#begun.cpu) / restored,
      mainThreadCpuMicrosPerRecord: (mainThreadCpu - this.#begun.mainThreadCpu) / restored,
      peakRssBytes: peakRssBytes(this.#pid),
    });
    this.#done = undefined;
  }
}

/** Waits for the watch to finish, failing when the process exits first or the deadline passes. */
async function restored(watch: RestoreWatch, exited: Promise<ChildExit>, tail: OutputTail, who: string): Promise<Omit<RestoreRun, 'mismatches'>> {
  const deadline = new AbortController();
  try {
    return await Promise.race([
      watch.finished,
      exited.then((exit) => Promise.reject(new Error(`${who} exited before it had restored (${JSON.stringify(exit)}):\n${tail.indented(40)}`))),
      sleep(RESTORE_TIMEOUT_MS, undefined, { signal: deadline.signal }).then(() => Promise.reject(new Error(`${who} had not restored after ${RESTORE_TIMEOUT_MS} ms:\n${tail.indented(40)}`))),
    ]);
  } finally {
    deadline.abort();
  }
}

/** The restored table's check: `records` keys whose counts (1 each) sum to `records`. */
const tableMismatches = (keys: number, sum: number, records: number): string[] =>
  keys === records && sum === records ? [] : [`restored table has ${keys} keys summing to ${sum}, expected ${records} and ${records}`];

interface LogLine {
  readonly msg?: string;
  readonly time?: number;
  readonly level?: number;
  readonly partition?: number;
  readonly records?: number;
}

/**
 * bench/apps/recovery as a `streamd start` process with an empty datadir, until its tables are recovered.
 * `nodeArgs`: Node flags for the worker, e.g. `--cpu-prof --cpu-prof-dir=DIR` to profile the restore.
 */
export async function streamdRestore(bootstrap: string, appId: string, records: number, cli?: string, nodeArgs: readonly string[] = []): Promise<RestoreRun> {
  const datadir = await mkdtemp(join(tmpdir(), 'streamd-bench-restore-'));
  const env = { STREAMD_BROKER: `kafka://${bootstrap}`, BENCH_APP_ID: appId, BENCH_DATADIR: datadir };
  const manifestPath = repoPath('bench', 'apps', 'recovery', 'app.yaml');
  try {
    const spawned = performance.now();
    const child = spawn(workerNode(), [...nodeArgs, cli ?? repoPath('dist', 'cmd', 'streamd.js'), 'start', '--manifest', manifestPath, '--web-port', '0', '--log-level', 'info'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = trackExit(child);
    const tail = new OutputTail(40);
    const watch = new RestoreWatch(child.pid!, spawned);
    const onLine = (text: string): void => {
      tail.push(text);
      const line = parseLine(text);
      if (line?.msg === undefined || line.time === undefined) return;
      if (line.msg.startsWith('recovering counts[') && !line.msg.includes(':')) watch.begun(line.time);
      else if (line.msg.startsWith('recovered counts[')) watch.restored.set(line.partition ?? -1, line.records ?? 0);
      else if (line.msg.startsWith('tables recovered')) watch.ended(line.time);
    };
    forEachLine(child.stdout, onLine);
    forEachLine(child.stderr, onLine);
    let run: Omit<RestoreRun, 'mismatches'>;
    try {
      run = await restored(watch, exited, tail, 'streamd');
    } finally {
      const exit = await terminate(child, exited, { graceMs: 60_000 });
      if (exit.code !== 0) process.stderr.write(`streamd exited with ${JSON.stringify(exit)}:\n${tail.indented(40)}\n`);
    }
    const found = await storeCounts(await loadManifest(manifestPath, { env }), 'counts', PARTITIONS);
    return { ...run, mismatches: tableMismatches(found.size, [...found.values()].reduce((a, b) => a + b, 0), records) };
  } finally {
    await rm(datadir, { recursive: true, force: true });
  }
}

function parseLine(text: string): LogLine | undefined {
  try {
    return JSON.parse(text) as LogLine;
  } catch {
    return undefined;
  }
}

/** BenchCount restore with an empty state dir, until its listener saw every partition restored; then its store is counted. */
export async function kafkaStreamsRestore(classpath: string, bootstrap: string, appId: string, records: number): Promise<RestoreRun> {
  const stateDir = await mkdtemp(join(tmpdir(), 'streamd-bench-ks-restore-'));
  try {
    const spawned = performance.now();
    const child = spawn(javaExecutable(), benchCountArgs(classpath, 'restore', bootstrap, appId, RECOVERY_INPUT, stateDir), { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = trackExit(child);
    const tail = new OutputTail(40);
    const watch = new RestoreWatch(child.pid!, spawned);
    let store: ((line: string[]) => void) | undefined;
    const counted = new Promise<string[]>((resolve) => (store = resolve));
    forEachLine(child.stderr, (text) => tail.push(text));
    forEachLine(child.stdout, (text) => {
      tail.push(text);
      const [what, ...fields] = text.trim().split(' ');
      if (what === 'restore-start') watch.begun(Number(fields[2]));
      if (what === 'restore-end') {
        watch.restored.set(Number(fields[0]), Number(fields[1]));
        if (watch.restored.size === PARTITIONS) watch.ended(Number(fields[2]));
      }
      if (what === 'store') store?.(fields);
    });
    try {
      const run = await restored(watch, exited, tail, 'Kafka Streams');
      // Peak RSS is read: now the store may be iterated.
      child.stdin.write('count\n');
      const [keys, sum] = await Promise.race([counted, exited.then(() => Promise.reject(new Error(`Kafka Streams exited before counting its store:\n${tail.indented(40)}`)))]);
      return { ...run, mismatches: tableMismatches(Number(keys), Number(sum), records) };
    } finally {
      await stop(child, exited, tail);
    }
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

async function stop(child: ChildProcess, exited: Promise<ChildExit>, tail: OutputTail): Promise<void> {
  const exit = await terminate(child, exited, { graceMs: 60_000 });
  if (exit.code !== 0 && exit.code !== 143) process.stderr.write(`Kafka Streams exited with ${JSON.stringify(exit)}:\n${tail.indented(40)}\n`);
}
