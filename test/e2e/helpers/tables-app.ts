// Shared set-up of the tables end-to-end tests: the page-views example (manifests/page-views, its
// real handler) under a fresh app id and topics on the real broker, with its state in temporary
// directories, and the readers the tests judge it by: the group's committed offsets, the changelog,
// the sink, and the partition stores on disk. Several daemons of one app (each with its own datadir
// and web port) may run at once, for multi-worker tests.

import { readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { RocksdbStore } from '../../../src/stores/index.js';
import { waitFor } from '../../helpers/wait-for.js';
import { repoPath } from '../../kafka/repo-root.js';
import { groupProgress, type PartitionProgress } from './group-progress.js';
import { Daemon, type DaemonOptions } from './daemon.js';
import type { PageViewLoad } from './page-view-load.js';
import { brokerAddress } from './pipeline-app.js';
import { GeneratedApp } from './generated-app.js';

export const EXAMPLE_MANIFEST = repoPath('manifests', 'page-views', 'app.yaml');
export const TABLE = 'page_counts';
const AGENT = 'count_page_views';
const GROUP_BY = 'by-page';
export const PARTITIONS = 4;

/** What a table holds, key → count, with the changelog offset each partition store claims. */
export interface TableContents {
  readonly values: Map<string, number>;
  /** Partition → the offset recorded in its store (undefined: none); only partitions with a store. */
  readonly offsets: Map<number, bigint | undefined>;
}

/** The changelog read from its start to its end offsets. */
export interface ChangelogContents {
  /** The last value per key (a tombstone deletes it). */
  readonly values: Map<string, number>;
  readonly records: number;
  /** Partition → records in it. */
  readonly recordsPerPartition: Map<number, number>;
  /** Partition → end offset when the read started. */
  readonly ends: Map<number, bigint>;
}

/** The sink `{page, count}` records: how often a (page, count) pair repeats, and the highest count per page. */
export interface SinkContents {
  readonly records: number;
  readonly duplicates: number;
  readonly highest: Map<string, number>;
}

export interface TablesDaemonOptions extends Partial<DaemonOptions> {
  /** The daemon's state directory; default the app's own (one per app, made on first use). */
  readonly datadir?: string;
}

export class TablesApp extends GeneratedApp {
  readonly input = `page_views_${this.appId.replace(/-/g, '_')}`;
  readonly output = `${this.input}_out`;
  readonly changelog = `${this.appId}-${TABLE}-changelog`;
  readonly repartition = `${this.appId}-${AGENT}-${GROUP_BY}-repartition`;
  #datadir: string | undefined;
  #isManifestWritten = false;

  constructor() {
    super('tables', 'e2e');
  }

  /** The state directory daemons use unless told otherwise. */
  async datadir(): Promise<string> {
    return (this.#datadir ??= await this.newDatadir());
  }

  /** Where the stores of this app version live under `datadir` (ARCHITECTURE.md §6). */
  tablesDir(datadir: string): string {
    return join(datadir, this.appId, 'v1', 'tables');
  }

  storePath(datadir: string, partition: number): string {
    return join(this.tablesDir(datadir), `${TABLE}-${partition}`);
  }

  /** Creates the source and sink topics (as the daemon would) so the input can be loaded first. */
  async createTopics(): Promise<void> {
    const admin = await this.admin();
    await admin.createTopics([
      { topic: this.input, partitions: PARTITIONS },
      { topic: this.output, partitions: PARTITIONS },
    ]);
  }

  /** Produces the load's events (or those in `range`) to the source topic. */
  async load(load: PageViewLoad, range: { readonly from?: number; readonly to?: number } = {}): Promise<void> {
    const producer = await this.driver.producer();
    try {
      for (const records of load.records(this.input, range)) await producer.send(records);
    } finally {
      await producer.close();
    }
  }

  /**
   * Writes this app's copy of the example manifest beside the e2e fixtures: its own id, topics and
   * broker, the datadir from STREAMD_DATADIR, short commit and session intervals, and the example's
   * own handler file. Each edit must match, so a change to the example fails here, loudly.
   */
  async #writeManifest(): Promise<void> {
    if (this.#isManifestWritten) return;
    let text = (await readFile(EXAMPLE_MANIFEST, 'utf8'))
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('#'))
      .join('\n');
    const handlers = relative(dirname(this.manifest), repoPath('manifests', 'page-views', 'handlers'));
    const edits: [RegExp, string][] = [
      [/^id: page-views$/m, `id: ${this.appId}`],
      [/^broker: .*$/m, `broker: kafka://${brokerAddress()}`],
      [/^store: .*$/m, 'store: rocksdb://'],
      [/^datadir: .*$/m, 'datadir: ${STREAMD_DATADIR}'],
      [/\.\/handlers\//g, `${handlers}/`],
      [/\bpage_counts_out\b/g, this.output],
      [/\bpage_views\b/g, this.input],
      [
        /^models:$/m,
        [
          'settings:',
          '  commitIntervalMs: 500',
          '  commitEvery: 5000',
          '  shutdownTimeoutMs: 30s',
          '  brokerSessionTimeoutMs: 10s',
          '  brokerHeartbeatIntervalMs: 1s',
          '  recoveryStallTimeoutMs: 60s',
          '',
          'models:',
        ].join('\n'),
      ],
    ];
    for (const [pattern, replacement] of edits) {
      if (!pattern.test(text)) throw new Error(`${EXAMPLE_MANIFEST} no longer matches ${pattern}: update TablesApp's copy of it`);
      pattern.lastIndex = 0;
      text = text.replace(pattern, replacement);
    }
    await writeFile(this.manifest, text);
    this.#isManifestWritten = true;
  }

  /** Writes the manifest (as `start` does first), for a test that builds its own command line around it. */
  async writeManifest(): Promise<string> {
    await this.#writeManifest();
    return this.manifest;
  }

  /** Starts a daemon and (unless told not to) waits until it is ready; `close()` kills it if still running. */
  async start(options: TablesDaemonOptions = {}): Promise<Daemon> {
    await this.#writeManifest();
    const { datadir = await this.datadir(), waitReady = true, readyTimeoutMs = 60_000, ...rest } = options;
    const daemon = await Daemon.start({ manifest: this.manifest, ...rest, waitReady: false, env: { STREAMD_DATADIR: datadir, ...options.env } });
    this.track(daemon);
    if (waitReady) await daemon.waitReady(readyTimeoutMs);
    return daemon;
  }

  /** Per partition of `topic`: the group's committed offset (absent = 0) and the end offset. */
  async progress(topic: string): Promise<PartitionProgress[]> {
    return groupProgress(await this.admin(), this.appId, topic);
  }

  /**
   * Resolves once the group has committed the source topic, and then the repartition topic, up to
   * their end offsets: every event has been counted and its changelog record is on the broker
   * (the commit flushes both before it commits). The source is read first, so the repartition
   * topic's end is final when it is read.
   */
  async waitForDrain(timeoutMs: number): Promise<void> {
    let last = '';
    await waitFor(
      async () => {
        const source = await this.progress(this.input);
        const repartition = await this.progress(this.repartition);
        last = `source ${show(source)}; repartition ${show(repartition)}`;
        return [...source, ...repartition].every((p) => p.committed === p.end);
      },
      { timeoutMs, intervalMs: 250, message: () => `the group ${this.appId} to commit ${this.input} and ${this.repartition} to their end offsets (last: ${last})` },
    );
  }

  /** Reads the changelog from its start to its end offsets (as they are when the read starts). */
  async changelogContents(timeoutMs = 60_000): Promise<ChangelogContents> {
    const values = new Map<string, number>();
    const recordsPerPartition = new Map<number, number>();
    let records = 0;
    const ends = await this.readEach(this.changelog, timeoutMs, (record) => {
      records++;
      recordsPerPartition.set(record.partition, (recordsPerPartition.get(record.partition) ?? 0) + 1);
      const key = record.key!.toString(); // string keys are raw UTF-8 (KEY_ENCODING_HEADER: string)
      if (record.value === null) values.delete(key);
      else values.set(key, JSON.parse(record.value.toString()) as number);
    });
    return { values, records, recordsPerPartition, ends };
  }

  /** Reads the sink topic to its end offsets. */
  async sinkContents(timeoutMs = 60_000): Promise<SinkContents> {
    const seen = new Set<string>();
    const highest = new Map<string, number>();
    let records = 0;
    let duplicates = 0;
    await this.readEach(this.output, timeoutMs, (record) => {
      records++;
      const { page, count } = JSON.parse(record.value!.toString()) as { page: string; count: number };
      const pair = `${page}\u0000${count}`;
      if (seen.has(pair)) duplicates++;
      seen.add(pair);
      if (count > (highest.get(page) ?? 0)) highest.set(page, count);
    });
    return { records, duplicates, highest };
  }

  /**
   * What the partition stores under `datadir` hold, read with the store adapter itself. Only while
   * no daemon uses that datadir: RocksDB allows one opener.
   */
  async storeContents(datadir: string): Promise<TableContents> {
    const values = new Map<string, number>();
    const offsets = new Map<number, bigint | undefined>();
    for (const name of await readdir(this.tablesDir(datadir))) {
      const match = new RegExp(`^${TABLE}-(\\d+)$`).exec(name);
      if (match === null) continue;
      const store = await RocksdbStore.open(join(this.tablesDir(datadir), name));
      try {
        offsets.set(Number(match[1]), await store.offset());
        for await (const [key, value] of store.iterate()) {
          const page = key.toString();
          if (values.has(page)) throw new Error(`key ${page} is in two partition stores, the second ${name}`);
          values.set(page, JSON.parse(value.toString()) as number);
        }
      } finally {
        await store.close();
      }
    }
    return { values, offsets };
  }
}

function show(progress: readonly { partition: number; committed: bigint; end: bigint }[]): string {
  return progress.map((p) => `${p.partition}:${p.committed}/${p.end}`).join(' ');
}

/** Log lines of `daemon` whose `msg` starts with `prefix`, parsed. */
export function logLines(daemon: Daemon, prefix: string): Record<string, unknown>[] {
  return daemon.logs().filter((line) => typeof line['msg'] === 'string' && line['msg'].startsWith(prefix));
}
