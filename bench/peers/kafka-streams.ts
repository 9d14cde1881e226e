// The Kafka Streams peer (bench/peers/kafka-streams): its jars fetched from Maven Central into
// .cache/peers once per machine, its one class compiled with javac on every run (a few seconds),
// run on the bench broker and input like streamd's process, and its final table read back from its
// changelog to be checked against the truth. Its restore run is in restore.ts.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Admin, ConsumerRecord, KafkaDriver } from '../../src/kafka/index.js';
import { javaExecutable } from '../../test/kafka/java-command.js';
import { KAFKA_VERSION } from '../../test/kafka/jars.js';
import { repoPath } from '../../test/kafka/repo-root.js';
import { runCommand } from '../java-perf.js';
import { watchProcessDrain } from '../drain-watch.js';
import type { CountingRun } from '../streamd-process.js';
import { windowEntry } from '../windowed.js';
import { readToEnd } from '../../test/helpers/read-to-end.js';

const HOME = repoPath('bench', 'peers', 'kafka-streams');
const CACHE = repoPath('.cache', 'peers', `kafka-streams-${KAFKA_VERSION}`);
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies';


/** The `java -cp` of the peer: its jars (Maven, first use only) and its freshly compiled class. */
export async function buildKafkaStreamsPeer(log: (line: string) => void): Promise<string> {
  const libs = join(CACHE, 'libs');
  if (!existsSync(join(libs, '.complete'))) {
    const started = performance.now();
    log(`Kafka Streams ${KAFKA_VERSION} peer: fetching its jars with Maven into .cache/peers (first run only)`);
    await rm(libs, { recursive: true, force: true });
    await runCommand('mvn', ['-B', '-q', '-Dstyle.color=never', '-f', join(HOME, 'pom.xml'), DEPENDENCY_PLUGIN, `-DoutputDirectory=${libs}`, '-DincludeScope=runtime', `-Dkafka.version=${KAFKA_VERSION}`]);
    await writeFile(join(libs, '.complete'), `kafka-streams ${KAFKA_VERSION}\n`);
    log(`Kafka Streams peer: jars fetched in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  // .cache is shared by every checkout on the machine: each version of the source compiles into its own directory.
  const source = join(HOME, 'src', 'BenchCount.java');
  const classes = join(CACHE, `classes-${createHash('sha256').update(await readFile(source)).digest('hex').slice(0, 12)}`);
  await mkdir(classes, { recursive: true });
  await runCommand('javac', ['-d', classes, '-cp', join(libs, '*'), source]);
  return `${join(libs, '*')}:${classes}`;
}

/** The `java` arguments of BenchCount in `mode`. */
export function benchCountArgs(classpath: string, mode: KafkaStreamsMode | 'restore', bootstrap: string, appId: string, source: string, stateDir: string): string[] {
  return ['-Dlog4j.configuration=file:' + join(HOME, 'log4j.properties'), '-cp', classpath, 'BenchCount', mode, bootstrap, appId, source, stateDir];
}

/** The changelog of BenchCount's `counts` store. */
export const countsChangelog = (appId: string): string => `${appId}-counts-changelog`;

export type KafkaStreamsMode = 'b2' | 'b3' | 'b4';

export interface KafkaStreamsCountingOptions {
  readonly classpath: string;
  readonly bootstrap: string;
  readonly driver: KafkaDriver;
  readonly admin: Admin;
  readonly mode: KafkaStreamsMode;
  readonly appId: string;
  readonly source: string;
  /** Compares the final table (key, or `key@window start` in b3, → count) with the truth; empty when equal. */
  readonly verify: (found: ReadonlyMap<string, number>) => string[];
}

/** Runs BenchCount with a fresh state dir until it has drained, stops it, and checks its table. */
export async function kafkaStreamsCounting(options: KafkaStreamsCountingOptions): Promise<CountingRun> {
  const stateDir = await mkdtemp(join(tmpdir(), 'streamd-bench-ks-'));
  const args = benchCountArgs(options.classpath, options.mode, options.bootstrap, options.appId, options.source, stateDir);
  try {
    const started = performance.now();
    const child = spawn(javaExecutable(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-5000)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const internal = options.mode === 'b4' ? [`${options.appId}-by-user-repartition`] : [];
      const drain = await watchProcessDrain({ admin: options.admin, group: options.appId, source: options.source, internal, pid: child.pid!, startedMs: started, timeoutMs: 600_000 });
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0 && code !== 143) process.stderr.write(`Kafka Streams exited with ${code}:\n${err}\n`);
      const found = await changelogCounts(options.driver, countsChangelog(options.appId), options.mode === 'b3');
      return { ...drain, mismatches: options.verify(found) };
    } finally {
      child.kill('SIGKILL');
    }
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

/**
 * The last count per key in a Kafka Streams count changelog: String keys, 8-byte big-endian Long
 * values. A windowed store's changelog key is the key, then the window start (8 bytes) and a
 * sequence number (4 bytes).
 */
async function changelogCounts(driver: KafkaDriver, topic: string, isWindowed: boolean): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const keep = (record: ConsumerRecord): void => {
    if (record.key === null) return;
    const key = isWindowed ? windowEntry(record.key.subarray(0, record.key.length - 12).toString(), Number(record.key.readBigInt64BE(record.key.length - 12))) : record.key.toString();
    if (record.value === null) found.delete(key);
    else found.set(key, Number(record.value.readBigInt64BE()));
  };
  await readToEnd(driver, topic, { timeoutMs: 120_000, onRecord: keep });
  return found;
}
