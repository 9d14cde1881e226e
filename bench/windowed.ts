// B3, windowed: B2's count per key per tumbling minute of the record timestamp (bench/apps/windowed)
// over B2's preloaded input, measured from outside like B2 (drain-watch.ts). The truth is counted
// from the input itself (its keys and record timestamps), as both systems window it.

import type { Agent } from '../src/agents/index.js';
import type { Admin, ConsumerRecord, KafkaDriver } from '../src/kafka/index.js';
import type { Manifest } from '../src/manifest/index.js';
import { parseWindowKey } from '../src/windows/window-key.js';
import { storeCounts } from './count-truth.js';
import { repoPath } from '../test/kafka/repo-root.js';
import { b3 } from './apps/windowed/handlers.js';
import type { DrainResult } from './drain-watch.js';
import { readToEnd } from '../test/helpers/read-to-end.js';
import { STATEFUL_TOPIC, drainBenchApp } from './stateful.js';
import { streamdCounting, type CountingRun } from './streamd-process.js';

/** The window of bench/apps/windowed (and of its Kafka Streams peer): tumbling, one minute, grace one minute. */
export const B3_WINDOW_MS = 60_000;

/** The key of one window in a final table: `<key>@<window start, epoch ms>`. */
export const windowEntry = (key: string, start: number): string => `${key}@${start}`;

export interface WindowedResult extends DrainResult {
  readonly windows: number;
  /** Empty when the table equals the truth, window by window. */
  readonly mismatches: readonly string[];
}

/** The count of every (key, tumbling minute of the record timestamp) of `topic`, read back from it. */
export async function windowTruth(driver: KafkaDriver, topic: string): Promise<Map<string, number>> {
  const truth = new Map<string, number>();
  const count = (record: ConsumerRecord): void => {
    const entry = windowEntry(record.key?.toString() ?? '', Math.floor(record.timestamp / B3_WINDOW_MS) * B3_WINDOW_MS);
    truth.set(entry, (truth.get(entry) ?? 0) + 1);
  };
  await readToEnd(driver, topic, { timeoutMs: 120_000, onRecord: count });
  return truth;
}

/** Compares a final windowed table with the truth; empty when equal. */
export function windowMismatches(found: ReadonlyMap<string, number>, truth: ReadonlyMap<string, number>): string[] {
  const mismatches: string[] = [];
  if (found.size !== truth.size) mismatches.push(`${found.size} windows in the table, expected ${truth.size}`);
  const sum = (counts: ReadonlyMap<string, number>): number => [...counts.values()].reduce((a, b) => a + b, 0);
  if (sum(found) !== sum(truth)) mismatches.push(`counts sum to ${sum(found)}, expected ${sum(truth)}`);
  for (const [entry, expected] of truth) {
    if (mismatches.length >= 5) break;
    if (found.get(entry) !== expected) mismatches.push(`${entry}: ${found.get(entry) ?? 'missing'}, expected ${expected}`);
  }
  return mismatches;
}

/** Every window and count in a stopped worker's partition stores of the windowed `table`. */
export function storeWindowCounts(manifest: Manifest, table: string, partitions: number): Promise<Map<string, number>> {
  return storeCounts(manifest, table, partitions, (key) => {
    const parsed = parseWindowKey(key);
    return parsed === undefined ? undefined : windowEntry(parsed.key.toString(), parsed.window.start);
  });
}

/** streamd's worker running bench/apps/windowed on B2's keyed input, with a fresh datadir, its windows checked against `truth`. */
export async function streamdWindowed(bootstrap: string, admin: Admin, appId: string, truth: ReadonlyMap<string, number>): Promise<WindowedResult> {
  return drainBenchApp({ app: 'windowed', bootstrap, admin, appId, handlers: new Map([['b3', b3 as Agent]]) }, async (manifest, drain) => {
    const found = await storeWindowCounts(manifest, 'counts', 4);
    return { ...drain, windows: found.size, mismatches: windowMismatches(found, truth) };
  });
}

/** bench/apps/windowed as a `streamd start` process (the peers run), its windows checked against `truth`. */
export async function streamdWindowedProcess(bootstrap: string, admin: Admin, appId: string, truth: ReadonlyMap<string, number>, cli?: string): Promise<CountingRun> {
  const records = [...truth.values()].reduce((a, b) => a + b, 0);
  return streamdCounting({
    bootstrap,
    admin,
    manifest: repoPath('bench', 'apps', 'windowed', 'app.yaml'),
    appId,
    source: STATEFUL_TOPIC,
    internal: [],
    records,
    partitions: 4,
    verify: async (manifest) => windowMismatches(await storeWindowCounts(manifest, 'counts', 4), truth),
    ...(cli === undefined ? {} : { cli }),
  });
}
