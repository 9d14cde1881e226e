// Several `streamd start` workers of the page-views example (manifests/page-views) in one consumer
// group on the real broker: a fresh app id and topics per cluster, a datadir per worker, the true
// page counts of what was produced, and readers of the stores and of the changelog to compare.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDriver, type Admin, type KafkaDriver } from '../../../src/kafka/index.js';
import { RocksdbStore } from '../../../src/stores/index.js';
import { collectRecords } from '../../helpers/collect.js';
import { uniqueName } from '../../helpers/unique-name.js';
import { repoPath } from '../../kafka/repo-root.js';
import { Daemon } from './daemon.js';
import { groupProgress, sumProgress, waitCommittedToEnd } from './group-progress.js';
import { brokerAddress } from './pipeline-app.js';

const EXAMPLE = repoPath('manifests', 'page-views', 'app.yaml');
const HANDLERS = repoPath('manifests', 'page-views', 'handlers');
export const PARTITIONS = 4;

/** One worker of the cluster: its process and where it keeps its stores. */
export interface ClusterWorker {
  readonly name: string;
  readonly daemon: Daemon;
  readonly datadir: string;
}

export interface ClusterOptions {
  readonly standbyReplicas: number;
  /** Short, so a kill -9 is noticed quickly; the heartbeat runs at a sixth of it. */
  readonly sessionTimeoutMs: number;
  /** Manifest text appended to the example's, e.g. a `timers:` section (handlers relative to test/fixtures/apps/e2e). */
  readonly extraManifest?: string;
  /** `host:port` of the broker; default STREAMD_TEST_KAFKA (a test that restarts a broker starts its own). */
  readonly broker?: string;
  /** Extra environment for every worker, e.g. `STREAMD_BROKER_UNAVAILABLE_TIMEOUT_MS`. */
  readonly env?: Readonly<Record<string, string>>;
}

/** The page of view number `i`: `pages` pages, each viewed equally often. */
export function pageOf(i: number, pages: number): string {
  return `/page-${i % pages}`;
}

/** What `page_counts` must hold after views 0..count-1 over `pages` pages. */
export function trueCounts(count: number, pages: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < count; i++) counts.set(pageOf(i, pages), (counts.get(pageOf(i, pages)) ?? 0) + 1);
  return counts;
}

export class PageViewsCluster {
  readonly appId = uniqueName('e2e-views');
  readonly input = `page_views_${this.appId.replace(/-/g, '_')}`;
  readonly output = `${this.input}_counts`;
  readonly changelog = `${this.appId}-page_counts-changelog`;
  readonly repartition = `${this.appId}-count_page_views-by-page-repartition`;
  readonly leaderTopic = `${this.appId}-__assignor-__leader`;
  readonly manifest = repoPath('test', 'fixtures', 'apps', 'e2e', `generated-${this.appId}.yaml`);
  readonly driver: KafkaDriver;
  readonly workers: ClusterWorker[] = [];
  readonly #options: ClusterOptions;
  readonly #broker: string;
  #root: string | undefined;
  #admin: Admin | undefined;

  constructor(options: ClusterOptions) {
    this.#options = options;
    this.#broker = options.broker ?? brokerAddress();
    this.driver = createDriver(`kafka://${this.#broker}`);
  }

  async admin(): Promise<Admin> {
    return (this.#admin ??= await this.driver.admin());
  }

  /** Writes the example's manifest with this cluster's topic names and creates its source topics. */
  async setUp(): Promise<void> {
    const text = await readFile(EXAMPLE, 'utf8');
    await writeFile(
      this.manifest,
      text
        .replace(/^id: .*$/m, `id: ${this.appId}`)
        .replace(/\bpage_counts_out\b/g, this.output)
        .replace(/\bpage_views\b/g, this.input)
        .replace(/\.\/handlers\//g, `${HANDLERS}/`) + (this.#options.extraManifest ?? ''),
    );
    this.#root = await mkdtemp(join(tmpdir(), `${this.appId}-`));
    const admin = await this.admin();
    await admin.createTopics([
      { topic: this.input, partitions: PARTITIONS },
      { topic: this.output, partitions: PARTITIONS },
    ]);
  }

  /**
   * Starts worker `name` with a datadir of its own (and extra CLI `args`); resolves once its GET
   * /ready says 200, or at once with `waitReady: false`. `env` adds or overrides settings.
   */
  async start(name: string, args: readonly string[] = [], options: { readonly waitReady?: boolean; readonly env?: Readonly<Record<string, string>> } = {}): Promise<ClusterWorker> {
    if (this.#root === undefined) throw new Error('call setUp() first');
    const datadir = join(this.#root, name);
    const { standbyReplicas, sessionTimeoutMs } = this.#options;
    const daemon = await Daemon.start({
      manifest: this.manifest,
      args,
      env: {
        STREAMD_BROKER: `kafka://${this.#broker}`,
        STREAMD_DATADIR: datadir,
        STREAMD_STANDBY_REPLICAS: String(standbyReplicas),
        STREAMD_COMMIT_INTERVAL_MS: '500',
        STREAMD_BROKER_SESSION_TIMEOUT_MS: String(sessionTimeoutMs),
        STREAMD_BROKER_HEARTBEAT_INTERVAL_MS: String(Math.floor(sessionTimeoutMs / 6)),
        STREAMD_SHUTDOWN_TIMEOUT_MS: '30000',
        ...this.#options.env,
        ...options.env,
      },
      waitReady: options.waitReady ?? true,
    });
    const worker = { name, daemon, datadir };
    this.workers.push(worker);
    return worker;
  }

  /** Produces views `from`..`to`-1, keyed by view (so groupBy has to move them to their page's partition). */
  async produceViews(from: number, to: number, pages: number): Promise<void> {
    const producer = await this.driver.producer();
    try {
      for (let start = from; start < to; start += 10_000) {
        const records = [];
        for (let i = start; i < Math.min(to, start + 10_000); i++) {
          records.push({ topic: this.input, key: Buffer.from(`view-${i}`), value: Buffer.from(JSON.stringify({ id: pageOf(i, pages), user: `user-${i % 37}` })) });
        }
        await producer.send(records);
      }
    } finally {
      await producer.close();
    }
  }

  /** Sum over partitions of the group's committed offsets on `topic` (absent = 0), and of its end offsets. */
  async progress(topic: string): Promise<{ committed: bigint; end: bigint }> {
    return sumProgress(await groupProgress(await this.admin(), this.appId, topic));
  }

  /** Waits until the group has committed `topic` to its end offsets. */
  async waitCommittedToEnd(topic: string, timeoutMs: number): Promise<void> {
    await waitCommittedToEnd(await this.admin(), this.appId, topic, timeoutMs);
  }

  /** Every page count in a worker's stores (every partition directory under its datadir, or those of `partitions`). Stop the worker first. */
  async storeCounts(worker: ClusterWorker, partitions: readonly number[] = Array.from({ length: PARTITIONS }, (_, p) => p)): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const partition of partitions) {
      const store = await RocksdbStore.open(join(worker.datadir, this.appId, 'v1', 'tables', `page_counts-${partition}`));
      try {
        for await (const [key, value] of store.iterate()) {
          const page = key.toString();
          if (counts.has(page)) throw new Error(`page ${page} is in two partition stores of ${worker.name}`);
          counts.set(page, JSON.parse(value.toString()) as number);
        }
      } finally {
        await store.close();
      }
    }
    return counts;
  }

  /** The last value of every key in the changelog, read from the beginning to its end offsets. */
  async changelogCounts(timeoutMs: number): Promise<Map<string, number>> {
    const admin = await this.admin();
    const ends = await admin.offsets(this.changelog);
    const total = ends.reduce((sum, e) => sum + (e.latest - e.earliest), 0n);
    const reached = new Map<number, bigint>();
    const consumer = await this.driver.consumer({ groupId: uniqueName('changelog-reader'), maxWaitMs: 100, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000 });
    try {
      const collector = await collectRecords(consumer, [this.changelog], { onBatch: (batch) => void reached.set(batch.partition, batch.nextOffset) });
      await collector.until(() => ends.every((e) => (reached.get(e.partition) ?? e.earliest) >= e.latest), {
        timeoutMs,
        message: `the changelog ${this.changelog} read to its end offsets (${total} records at most)`,
      });
      const counts = new Map<string, number>();
      for (const record of collector.records) {
        const page = record.key!.toString(); // string keys are raw UTF-8 (KEY_ENCODING_HEADER: string)
        if (record.value === null) counts.delete(page);
        else counts.set(page, JSON.parse(record.value.toString()) as number);
      }
      return counts;
    } finally {
      await consumer.stop();
    }
  }

  /** Kills every worker still running, removes the datadirs and the generated manifest. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.daemon.kill9().catch(() => undefined)));
    await this.#admin?.close().catch(() => undefined);
    await this.driver.close().catch(() => undefined);
    await rm(this.manifest, { force: true });
    if (this.#root !== undefined) await rm(this.#root, { recursive: true, force: true });
  }
}

/** One assignment of a worker, from its `assigned N partitions` log line. */
export interface LoggedAssignment {
  /** Epoch ms of the log line. */
  readonly time: number;
  /** `topic[p]` of every assigned partition. */
  readonly partitions: readonly string[];
  /** Epoch ms of the `assignment ready` line that followed, before any newer assignment. */
  readonly readyAt: number | undefined;
}

/** Every assignment the worker logged, oldest first. */
export function assignments(daemon: Daemon): LoggedAssignment[] {
  const out: { time: number; partitions: string[]; readyAt: number | undefined }[] = [];
  for (const line of daemon.logs()) {
    const msg = line['msg'];
    if (typeof msg !== 'string') continue;
    if (/^assigned \d+ partitions$/.test(msg)) out.push({ time: line['time'] as number, partitions: line['partitions'] as string[], readyAt: undefined });
    else if (msg === 'assignment ready: processing resumes') {
      const last = out[out.length - 1];
      if (last !== undefined && last.readyAt === undefined && line['partitions'] === last.partitions.length) last.readyAt = line['time'] as number;
    }
  }
  return out;
}

/** The partition numbers of `topic` in `partitions` (`topic[p]` strings), ascending. */
export function partitionsOf(topic: string, partitions: readonly string[]): number[] {
  return partitions
    .filter((p) => p.startsWith(`${topic}[`))
    .map((p) => Number(p.slice(topic.length + 1, -1)))
    .sort((a, b) => a - b);
}

/**
 * The table partitions the worker follows as a standby now: `following table partition as a
 * standby` lines, minus the ones released since, minus those it holds as active now.
 */
export function standbyPartitions(daemon: Daemon, table: string, actives: readonly number[]): number[] {
  const followed = new Set<number>();
  for (const line of daemon.logs()) {
    if (line['table'] !== table) continue;
    if (line['msg'] === 'following table partition as a standby') followed.add(line['partition'] as number);
    else if (line['msg'] === 'table partition released') followed.delete(line['partition'] as number);
  }
  return [...followed].filter((p) => !actives.includes(p)).sort((a, b) => a - b);
}

/** The worker's `streamd_leader` gauge, or undefined when it does not answer. */
export async function leaderGauge(daemon: Daemon): Promise<number | undefined> {
  try {
    const text = await daemon.metrics();
    const line = text.split('\n').find((l) => /^streamd_leader(\{[^}]*\})? /.test(l));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  } catch {
    return undefined;
  }
}
