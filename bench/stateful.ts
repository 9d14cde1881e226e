// B2, stateful: streamd counting records per key into a RocksDB table, draining a preloaded topic
// keyed by user (10k keys), measured from outside like B1 (drain-watch.ts). Also reads what the
// changelog received (its end offsets) and checks the counts in the stores against the truth.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import type { Agent } from '../src/agents/index.js';
import type { Admin, KafkaDriver, ProducerRecord } from '../src/kafka/index.js';
import { loadManifest, type Manifest, type ProcessingGuarantee } from '../src/manifest/index.js';
import { WorkerMetrics } from '../src/metrics/index.js';
import { changelogTopic, createWorker } from '../src/worker/index.js';
import { repoPath } from '../test/kafka/repo-root.js';
import { b2 } from './apps/stateful/handlers.js';
import { COUNT_KEYS, countMismatches, pageViewOf, storeCounts, userOf } from './count-truth.js';
import { watchDrain, type DrainResult } from './drain-watch.js';
import { sendPipelined } from './pipelined-sends.js';

/** Distinct keys of the stateful data set: `user-00000` … `user-09999`, record n has key n mod 10k. */
export const STATEFUL_KEYS = COUNT_KEYS;
export const STATEFUL_TOPIC = 'pageviews_keyed';

export interface StatefulResult extends DrainResult {
  readonly changelogRecords: number;
  /** Changelog records by the worker's own counter, to cross-check the end offsets. */
  readonly changelogRecordsMetric: number;
  /** Empty when the table equals the truth. */
  readonly mismatches: readonly string[];
}

/**
 * Loads `records` JSON page views (the B1 values) keyed by user (or by `keyOf(n)`), through the
 * driver with a few batches in flight: ProducerPerformance cannot set keys.
 */
export async function preloadKeyedPageViews(driver: KafkaDriver, topic: string, records: number, keyOf: (n: number) => string = userOf): Promise<void> {
  const batchSize = 10_000;
  const inFlight = 4;
  const producer = await driver.producer({ acks: 'all' });
  try {
    const batches = function* (): Generator<ProducerRecord[]> {
      for (let start = 0; start < records; start += batchSize) {
        const batch: ProducerRecord[] = [];
        for (let n = start; n < Math.min(records, start + batchSize); n++) {
          batch.push({ topic, key: Buffer.from(keyOf(n)), value: Buffer.from(pageViewOf(n)) });
        }
        yield batch;
      }
    };
    await sendPipelined(producer, batches(), inFlight);
  } finally {
    await producer.close();
  }
}

/**
 * Runs `handlers` as the bench app `app` (bench/apps/<app>) on B2's keyed input with a fresh datadir,
 * until its group has committed the input to the end; then `inspect` reads what it left (stores,
 * changelog) before the datadir goes. B2 and B3 both run this way.
 */
export async function drainBenchApp<T>(
  options: { readonly app: string; readonly bootstrap: string; readonly admin: Admin; readonly appId: string; readonly handlers: ReadonlyMap<string, Agent>; readonly metrics?: WorkerMetrics; readonly guarantee?: ProcessingGuarantee },
  inspect: (manifest: Manifest, drain: DrainResult) => Promise<T>,
): Promise<T> {
  const datadir = await mkdtemp(join(tmpdir(), `streamd-bench-${options.app}-`));
  try {
    const manifest = await loadManifest(repoPath('bench', 'apps', options.app, 'app.yaml'), {
      env: { STREAMD_BROKER: `kafka://${options.bootstrap}`, BENCH_APP_ID: options.appId, BENCH_DATADIR: datadir, STREAMD_PROCESSING_GUARANTEE: options.guarantee ?? 'at_least_once' },
    });
    const worker = await createWorker(manifest, {
      logger: pino({ level: 'warn' }),
      handlers: new Map(options.handlers),
      ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    });
    const started = performance.now();
    await worker.start();
    let drain: DrainResult;
    try {
      drain = await watchDrain(options.admin, options.appId, STATEFUL_TOPIC, started, 600_000);
    } finally {
      await worker.stop();
    }
    return await inspect(manifest, drain);
  } finally {
    await rm(datadir, { recursive: true, force: true });
  }
}

export async function streamdStateful(bootstrap: string, admin: Admin, appId: string, records: number, guarantee: ProcessingGuarantee = 'at_least_once'): Promise<StatefulResult> {
  const metrics = new WorkerMetrics({ withDefaults: false });
  return drainBenchApp({ app: 'stateful', bootstrap, admin, appId, handlers: new Map([['b2', b2 as Agent]]), metrics, guarantee }, async (manifest, drain) => {
    const changelog = await admin.offsets(changelogTopic(appId, 'counts'));
    const changelogRecords = changelog.reduce((sum, p) => sum + Number(p.latest), 0);
    const counter = (await metrics.registry.getSingleMetric('streamd_changelog_records_total')?.get())?.values ?? [];
    const changelogRecordsMetric = counter.reduce((sum, v) => sum + v.value, 0);
    return { ...drain, changelogRecords, changelogRecordsMetric, mismatches: countMismatches(await storeCounts(manifest, 'counts', 4), records) };
  });
}
