// B4, groupBy then count: page views keyed by view id (D3), re-keyed by user through a repartition
// topic and counted per user into a RocksDB table. streamd runs as its CLI in its own process
// (streamd-process.ts); done means committed to the end on the source and on the repartition topic.

import type { Admin, KafkaDriver } from '../src/kafka/index.js';
import { repartitionTopic } from '../src/worker/index.js';
import { repoPath } from '../test/kafka/repo-root.js';
import { streamdCounting, type CountingRun } from './streamd-process.js';
import { COUNT_KEYS } from './count-truth.js';
import type { Row } from './report-row.js';
import { preloadKeyedPageViews } from './stateful.js';

export const GROUPED_TOPIC = 'pageviews_by_view';

/** Loads `records` JSON page views keyed by a view id of their own, so that the user must be regrouped. */
export async function preloadViewKeyedPageViews(driver: KafkaDriver, topic: string, records: number): Promise<void> {
  await preloadKeyedPageViews(driver, topic, records, (n) => `view-${String(n).padStart(8, '0')}`);
}

/** streamd running bench/apps/grouped on the preloaded D3. */
export async function streamdGrouped(bootstrap: string, admin: Admin, appId: string, records: number, nodeArgs?: readonly string[], cli?: string): Promise<CountingRun> {
  return streamdCounting({
    bootstrap,
    admin,
    manifest: repoPath('bench', 'apps', 'grouped', 'app.yaml'),
    appId,
    source: GROUPED_TOPIC,
    internal: [repartitionTopic(appId, 'b4', 'by-user')],
    records,
    partitions: 4,
    ...(nodeArgs === undefined ? {} : { nodeArgs }),
    ...(cli === undefined ? {} : { cli }),
  });
}

/** B4 in `npm run bench`: preloads D3, runs streamd's process on it and reports its row and notes. */
export interface GroupedWorkloadInput {
  readonly bootstrap: string;
  readonly driver: KafkaDriver;
  readonly admin: Admin;
  readonly run: string;
  readonly records: number;
  readonly say: (line: string) => void;
  /** Node flags for the worker process, e.g. `--cpu-prof`, `--cpu-prof-dir=…`. */
  readonly nodeArgs?: readonly string[];
}

export async function groupedWorkload(input: GroupedWorkloadInput, notes: string[]): Promise<Row[]> {
  const { bootstrap, driver, admin, run, records, say, nodeArgs } = input;
  await admin.createTopics([{ topic: GROUPED_TOPIC, partitions: 4 }]);
  say(`grouped (B4): preloading ${records} JSON page views keyed by view id into 4 partitions`);
  await preloadViewKeyedPageViews(driver, GROUPED_TOPIC, records);
  say('grouped (B4): streamd process, groupBy user → counts[user] += 1 into a RocksDB table');
  const result = await streamdGrouped(bootstrap, admin, `bench-grouped-${run}`, records, nodeArgs);
  notes.push(
    `B4 streamd process: ${result.cpuMicrosPerRecord.toFixed(1)} µs CPU per record over the run (${result.steadyCpuMicrosPerRecord.toFixed(1)} in the steady window), peak RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB.`,
    result.mismatches.length === 0 ? `B4 correctness gate: pass (${Math.min(records, COUNT_KEYS).toLocaleString('en-US')} users, counts sum to ${records.toLocaleString('en-US')}).` : `B4 correctness gate: FAIL: ${result.mismatches.join('; ')}.`,
  );
  if (result.mismatches.length > 0) process.exitCode = 1;
  return [{ workload: 'B4', subject: `streamd groupBy → count, process (drain ${result.drainSeconds.toFixed(1)} s)`, recordsPerSec: result.steadyRecordsPerSec }];
}
