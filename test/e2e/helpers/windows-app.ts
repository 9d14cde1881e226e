// Set-up of the windowed-tables e2e tests: an app counting page views in four windowed tables
// (tumbling 1 min, hopping 5/1 min, sliding ±30 s, session gap 2 min; grace 10 s; final results to
// one sink) and an expiring tumbling table, under a fresh id and topics on the real broker, with
// readers for its sink, changelogs, stores and HTTP answers.

import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProducerRecord } from '../../../src/kafka/index.js';
import { RocksdbStore } from '../../../src/stores/index.js';
import { Daemon } from './daemon.js';
import { groupProgress, sumProgress, waitCommittedToEnd } from './group-progress.js';
import { brokerAddress } from './pipeline-app.js';
import { GeneratedApp } from './generated-app.js';
import { GRACE_MS, type TruthTable } from './window-truth.js';

export const PARTITIONS = 4;
/** How long a partition stays idle before its windows close by the wall clock. */
export const IDLE_CLOSE_MS = 8000;
/** The expiring table's expiry. */
export const EXPIRES_MS = 5 * 60_000;

export interface WindowEntry {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly value: number;
  readonly closed: boolean;
}

export class WindowsApp extends GeneratedApp {
  readonly input = `views_${this.appId.replace(/-/g, '_')}`;
  readonly sink = `${this.input}_final`;

  constructor() {
    super('windows', 'e2e');
  }

  changelog(table: string): string {
    return `${this.appId}-${table}-changelog`;
  }

  async setUp(): Promise<void> {
    const window = (shape: string): string => `{ ${shape}, grace: ${GRACE_MS}, idleClose: ${IDLE_CLOSE_MS}, emit: final, sink: ${this.sink} }`;
    const text = [
      `id: ${this.appId}`,
      `broker: kafka://${brokerAddress()}`,
      'store: rocksdb://',
      'datadir: ${STREAMD_DATADIR}',
      'settings: { commitIntervalMs: 500, commitEvery: 5000, shutdownTimeoutMs: 30s, brokerSessionTimeoutMs: 10s, brokerHeartbeatIntervalMs: 1s, tableCleanupIntervalMs: 2s }',
      'models:',
      '  View: { type: object, properties: { page: { type: string }, fresh: { type: boolean } }, required: [page] }',
      'topics:',
      `  ${this.input}: { keyType: string, valueType: View, partitions: ${PARTITIONS} }`,
      `  ${this.sink}: { keyType: string, partitions: ${PARTITIONS} }`,
      'tables:',
      `  tumbling: { valueType: integer, default: 0, window: ${window('type: tumbling, size: 1m')} }`,
      `  hopping: { valueType: integer, default: 0, window: ${window('type: hopping, size: 5m, step: 1m')} }`,
      `  sliding: { valueType: integer, default: 0, window: ${window('type: sliding, before: 30s, after: 30s')} }`,
      `  session: { valueType: integer, default: 0, window: ${window('type: session, gap: 2m')} }`,
      `  expiring: { valueType: integer, default: 0, window: { type: tumbling, size: 1m, grace: ${GRACE_MS}, idleClose: ${IDLE_CLOSE_MS}, expires: ${EXPIRES_MS} } }`,
      'agents:',
      `  count_views: { topic: ${this.input}, handler: ./windows-handlers.ts#countViews }`,
      '',
    ].join('\n');
    await writeFile(this.manifest, text);
    const admin = await this.admin();
    await admin.createTopics([{ topic: this.input, partitions: PARTITIONS }, { topic: this.sink, partitions: PARTITIONS }]);
  }

  async produce(records: readonly ProducerRecord[]): Promise<void> {
    const producer = await this.driver.producer({ acks: 'all' });
    try {
      for (let i = 0; i < records.length; i += 5000) await producer.send(records.slice(i, i + 5000));
    } finally {
      await producer.close();
    }
  }

  async start(datadir: string): Promise<Daemon> {
    const daemon = await Daemon.start({ manifest: this.manifest, waitReady: false, env: { STREAMD_DATADIR: datadir } });
    this.track(daemon);
    await daemon.waitReady(60_000);
    return daemon;
  }

  /** The input's committed and end offsets, summed over its partitions. */
  async progress(): Promise<{ committed: bigint; end: bigint }> {
    return sumProgress(await groupProgress(await this.admin(), this.appId, this.input));
  }

  async waitForDrain(timeoutMs: number): Promise<void> {
    await waitCommittedToEnd(await this.admin(), this.appId, this.input, timeoutMs);
  }

  /** Every entry of a windowed table, read over HTTP page by page. */
  async scan(daemon: Daemon, table: TruthTable | 'expiring'): Promise<WindowEntry[]> {
    const out: WindowEntry[] = [];
    let after: string | undefined;
    for (;;) {
      const response = await fetch(`${daemon.url}/tables/${table}?limit=1000${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`);
      if (!response.ok) throw new Error(`GET /tables/${table}: ${response.status} ${await response.text()}`);
      const page = (await response.json()) as { entries: WindowEntry[]; next?: string };
      out.push(...page.entries);
      if (page.next === undefined) return out;
      after = page.next;
    }
  }

  /** The store keys of a table's partition stores under `datadir` (no daemon may hold them). */
  async storeKeys(datadir: string, table: string): Promise<Buffer[]> {
    const dir = join(datadir, this.appId, 'v1', 'tables');
    const keys: Buffer[] = [];
    for (const name of await readdir(dir)) {
      if (!new RegExp(`^${table}-\\d+$`).test(name)) continue;
      const store = await RocksdbStore.open(join(dir, name));
      try {
        for await (const [key] of store.iterate()) keys.push(key);
      } finally {
        await store.close();
      }
    }
    return keys;
  }
}
