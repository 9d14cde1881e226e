// The Kafka Streams peer (bench/peers/kafka-streams): its jars fetched from Maven Central into
// .cache/peers once per machine, its one class compiled with javac on every run (a few seconds),
// run on the bench broker and input like streamd's process, and its final table read back from its
// changelog to be checked against the truth.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, KafkaDriver } from '../../src/kafka/index.js';
import { javaExecutable } from '../../test/kafka/java-command.js';
import { KAFKA_VERSION } from '../../test/kafka/jars.js';
import { repoPath } from '../../test/kafka/repo-root.js';
import { countMismatches } from '../count-truth.js';
import { runCommand } from '../java-perf.js';
import { watchProcessDrain } from '../drain-watch.js';
import type { CountingRun } from '../streamd-process.js';

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
  const classes = join(CACHE, 'classes');
  await mkdir(classes, { recursive: true });
  await runCommand('javac', ['-d', classes, '-cp', join(libs, '*'), join(HOME, 'src', 'BenchCount.java')]);
  return `${join(libs, '*')}:${classes}`;
}

export interface KafkaStreamsCountingOptions {
  readonly classpath: string;
  readonly bootstrap: string;
  readonly driver: KafkaDriver;
  readonly admin: Admin;
  readonly mode: 'b2' | 'b4';
  readonly appId: string;
  readonly source: string;
  readonly records: number;
}

/** Runs BenchCount with a fresh state dir until it has drained, stops it, and checks its table. */
export async function kafkaStreamsCounting(options: KafkaStreamsCountingOptions): Promise<CountingRun> {
  const stateDir = await mkdtemp(join(tmpdir(), 'streamd-bench-ks-'));
  const args = ['-Dlog4j.configuration=file:' + join(HOME, 'log4j.properties'), '-cp', options.classpath, 'BenchCount', options.mode, options.bootstrap, options.appId, options.source, stateDir];
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
      const found = await changelogCounts(options.driver, options.admin, `${options.appId}-counts-changelog`, `${options.appId}-verify`);
      return { ...drain, mismatches: countMismatches(found, options.records) };
    } finally {
      child.kill('SIGKILL');
    }
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** The last count per key in a Kafka Streams count changelog (String keys, 8-byte big-endian Long values). */
async function changelogCounts(driver: KafkaDriver, admin: Admin, topic: string, groupId: string): Promise<Map<string, number>> {
  const ends = new Map((await admin.offsets(topic)).map((p) => [p.partition, p.latest]));
  const reached = new Map<number, bigint>();
  const found = new Map<string, number>();
  const isDone = (): boolean => [...ends].every(([partition, end]) => end === 0n || (reached.get(partition) ?? -1n) + 1n >= end);
  if (isDone()) return found;
  const consumer = await driver.consumer({ groupId, isolation: 'read_uncommitted', autoOffsetReset: 'earliest', maxWaitMs: 100 });
  try {
    let failed: Error | undefined;
    consumer.on('crashed', (error) => (failed = error));
    await consumer.subscribe([topic]);
    void consumer
      .run((batch) => {
        for (const record of batch.records) {
          if (record.key !== null && record.value !== null) found.set(record.key.toString(), Number(record.value.readBigInt64BE()));
          if (record.key !== null && record.value === null) found.delete(record.key.toString());
          reached.set(batch.partition, record.offset);
        }
        return Promise.resolve();
      })
      .catch((error: unknown) => (failed = error instanceof Error ? error : new Error(String(error))));
    const deadline = performance.now() + 120_000;
    while (!isDone()) {
      if (failed !== undefined) throw failed;
      if (performance.now() > deadline) throw new Error(`reading ${topic} did not reach its end offsets in 120 s`);
      await sleep(100);
    }
    return found;
  } finally {
    await consumer.stop();
  }
}
