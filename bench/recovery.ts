// B5, cold recovery: a table changelog of N distinct keys, written in the format the worker writes
// (table codecs, `streamd-positions` and `streamd-key-encoding` headers, the key's partition), restored by a
// worker started with an empty datadir. Timed from outside (worker created → `isReady()`, what
// `/ready` answers) and by the worker's own `tables recovered` line.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { partitionForKey, type KafkaDriver, type ProducerRecord } from '../src/kafka/index.js';
import { loadManifest } from '../src/manifest/index.js';
import { WorkerMetrics } from '../src/metrics/index.js';
import { createTopicCodecs } from '../src/models/index.js';
import { openStore } from '../src/stores/index.js';
import { KEY_ENCODING_HEADER, POSITIONS_HEADER, TablePositions } from '../src/tables/index.js';
import { createWorker, tableStorePath } from '../src/worker/index.js';
import { sendPipelined } from './pipelined-sends.js';
import { repoPath } from '../test/kafka/repo-root.js';
import { b2 } from './apps/stateful/handlers.js';

export const RECOVERY_INPUT = 'recovery_in';
const READY_TIMEOUT_MS = 600_000;

export interface RecoveryResult {
  /** From creating the worker (empty datadir) until it is ready: group joins, store opens, restore. */
  readonly readySeconds: number;
  /** The worker's own `tables recovered` figure: end offsets fetched → every active partition restored. */
  readonly recoverySeconds: number | undefined;
  /** streamd_recovery_records_total. */
  readonly recordsApplied: number;
  /** Keys found in the stores once the worker stopped. */
  readonly keysInStores: number;
  /** The worker's `recovered counts[p]` lines: records and seconds per partition. */
  readonly partitions: readonly { partition: number; records: number; seconds: number }[];
}

/** `k-0000000` …: the D4 keys. */
const keyOf = (n: number): string => `k-${String(n).padStart(7, '0')}`;

/**
 * Writes `keys` changelog records of the `counts` table, one per key, as the worker's commits would:
 * key and value through the table's codecs (UTF-8 keys, JSON values), the partition the key's input record would have
 * had, and one positions header per partition and commit. A "commit" here is 10,000 keys in one
 * send, a few sends in flight.
 */
export async function buildChangelog(driver: KafkaDriver, topic: string, keys: number, partitions: number): Promise<void> {
  const codecs = createTopicCodecs({ keyType: 'string', valueType: 'integer' });
  const commitSize = 10_000;
  const inFlight = 4;
  const value = codecs.value.encode(1);
  const producer = await driver.producer({ acks: 'all' });
  const written = Array.from({ length: partitions }, () => 0);
  try {
    const commits = function* (): Generator<ProducerRecord[]> {
      for (let start = 0; start < keys; start += commitSize) {
        const end = Math.min(keys, start + commitSize);
        const byPartition = Array.from({ length: partitions }, () => [] as string[]);
        for (let n = start; n < end; n++) {
          const key = keyOf(n);
          byPartition[partitionForKey(Buffer.from(key), partitions)]!.push(key);
        }
        const records: ProducerRecord[] = [];
        byPartition.forEach((partitionKeys, partition) => {
          const positions = new TablePositions();
          positions.advanceSource(RECOVERY_INPUT, BigInt((written[partition]! += partitionKeys.length)));
          const headers = { [POSITIONS_HEADER]: positions.encode(), [KEY_ENCODING_HEADER]: Buffer.from(codecs.key.name) };
          for (const key of partitionKeys) records.push({ topic, partition, key: codecs.key.encode(key), value, headers });
        });
        yield records;
      }
    };
    await sendPipelined(producer, commits(), inFlight);
  } finally {
    await producer.close();
  }
}

/**
 * The Node ceiling of a restore: the kafkajs driver reading the changelog with the changelog
 * reader's consumer options and doing nothing else. The clock starts when the group is joined (the
 * restore's own figure starts after the joins too), so a first fetch is not left out of it.
 */
export async function readChangelog(driver: KafkaDriver, topic: string, records: number, groupId: string): Promise<{ seconds: number; recordsPerSec: number }> {
  const consumer = await driver.consumer({ groupId, isolation: 'read_committed', autoOffsetReset: 'earliest', maxWaitMs: 100 });
  const deadline = new AbortController();
  try {
    let started = 0;
    let seen = 0;
    const done = new Promise<number>((resolve, reject) => {
      consumer.on('assigned', () => (started = performance.now()));
      consumer.on('crashed', reject);
      void consumer
        .subscribe([topic])
        .then(() =>
          consumer.run((batch) => {
            seen += batch.records.length;
            if (seen >= records) resolve(performance.now());
            return Promise.resolve();
          }),
        )
        .catch(reject);
    });
    const timeout = sleep(READY_TIMEOUT_MS, undefined, { signal: deadline.signal }).then(() => Promise.reject(new Error(`read ${seen} of ${records} changelog records in ${READY_TIMEOUT_MS} ms`)));
    const ended = await Promise.race([done, timeout]);
    const seconds = (ended - started) / 1000;
    return { seconds, recordsPerSec: seen / seconds };
  } finally {
    deadline.abort();
    await consumer.stop();
  }
}

interface LogLine {
  readonly msg?: string;
  readonly level?: number;
  readonly partition?: number;
  readonly records?: number;
  readonly seconds?: number;
}

/** Starts bench/apps/recovery with an empty datadir and waits until it is ready. */
export async function streamdRecovery(bootstrap: string, appId: string, warn: (line: string) => void): Promise<RecoveryResult> {
  const datadir = await mkdtemp(join(tmpdir(), 'streamd-bench-recovery-'));
  const lines: LogLine[] = [];
  const destination = {
    write(text: string): void {
      const line = JSON.parse(text) as LogLine;
      if ((line.level ?? 0) >= 40) warn(`worker: ${text.trim()}`);
      else if (line.msg !== undefined && /^(recovered |tables recovered)/.test(line.msg)) lines.push(line);
    },
  };
  try {
    const manifest = await loadManifest(repoPath('bench', 'apps', 'recovery', 'app.yaml'), {
      env: { STREAMD_BROKER: `kafka://${bootstrap}`, BENCH_APP_ID: appId, BENCH_DATADIR: datadir },
    });
    const metrics = new WorkerMetrics({ withDefaults: false });
    const started = performance.now();
    const worker = await createWorker(manifest, { logger: pino({ level: 'info' }, destination), handlers: new Map([['b2', b2]]), metrics });
    let readySeconds: number;
    try {
      await worker.start();
      for (;;) {
        if (worker.isReady()) break;
        if (worker.state === 'crashed' || worker.state === 'stopped') throw new Error(`the recovering worker ${worker.state}; see its warnings above`);
        if (performance.now() - started > READY_TIMEOUT_MS) throw new Error(`the worker was not ready after ${READY_TIMEOUT_MS} ms`);
        await sleep(10);
      }
      readySeconds = (performance.now() - started) / 1000;
    } finally {
      await worker.stop();
    }
    const applied = (await metrics.registry.getSingleMetric('streamd_recovery_records_total')?.get())?.values ?? [];
    let keysInStores = 0;
    for (let partition = 0; partition < 4; partition++) {
      const store = await openStore('rocksdb://', { path: tableStorePath(manifest, 'counts', partition) });
      try {
        for await (const _entry of store.iterate()) keysInStores++;
      } finally {
        await store.close();
      }
    }
    const done = lines.find((l) => l.msg?.startsWith('tables recovered') === true);
    return {
      readySeconds,
      recoverySeconds: done?.seconds,
      recordsApplied: applied.reduce((sum, v) => sum + v.value, 0),
      keysInStores,
      partitions: lines
        .filter((l) => l.msg?.startsWith('recovered ') === true)
        .map((l) => ({ partition: l.partition ?? -1, records: l.records ?? 0, seconds: l.seconds ?? 0 }))
        .sort((a, b) => a.partition - b.partition),
    };
  } finally {
    await rm(datadir, { recursive: true, force: true });
  }
}
