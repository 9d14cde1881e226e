// Every table of the worker: their stores, recovery and standbys (ARCHITECTURE.md §6), and their part
// in the commit protocol (§3). On each assignment it recovers the active table partitions from
// their changelogs before the consumer may resume them, keeps standby partitions warm, and keeps
// global tables following every partition. A rebalance half-way through a recovery aborts it; the
// next one goes on from what the stores already hold.

import { readdirSync } from 'node:fs';
import type { Logger } from 'pino';
import type { ClusterAssignment, CopartitionGroup, LocalPartition } from '../assignor/index.js';
import { hasCode, type StreamdError } from '../errors/index.js';
import type { KafkaDriver, Producer, ProducerRecord, RecordBatch, TopicPartition, TopicSpec } from '../kafka/index.js';
import type { Manifest, TableDeclaration } from '../manifest/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import type { TopicCodecs } from '../models/index.js';
import { Service, SystemClock, type Clock } from '../service/index.js';
import { openOrRebuild, openStore, type StoreOpenOptions } from '../stores/index.js';
import type { ChangelogReader } from './changelog-reader.js';
import { TablePositions } from './positions.js';
import { applyChangelogInWrites } from './apply-changelog.js';
import { RecoveriesInFlight, type RecoveryProgress } from './recoveries-in-flight.js';
import { TablePartition, type Flush } from './table-partition.js';
import { changelogEnds, localPartitions, tpId, type Held } from './held-store.js';
import { restorePartition, type RestoreParts } from './restore-partition.js';
import { changelogRecords } from './changelog-records.js';
import { reportStoreFailure } from './store-failure.js';
import { changelogPartitionsOf, checkChangelogCounts, copartitionGroups, resolvePartitionCounts } from './table-layout.js';
import type { TableRuntime, HandleScope } from './table-runtime.js';
import type { AnyTable, ClosedWindow } from './types.js';
import type { TableHooks } from './table-hooks.js';
import type { WindowedRuntime } from './windowed-runtime.js';
import { buildRuntimes } from './table-runtimes.js';
import { WindowLoops } from './window-loops.js';
import { storeOptionsOf } from './store-options.js';
import { storeMemoryByTable } from './store-memory.js';

export interface TablesOptions {
  readonly manifest: Manifest;
  readonly logger: Logger;
  readonly driver: KafkaDriver;
  readonly reader: ChangelogReader;
  readonly metrics: WorkerMetrics;
  /** Changelog topic name of a table. */
  readonly changelogOf: (table: string) => string;
  /** Store directory of a table partition. */
  readonly storePath: (table: string, partition: number) => string;
  /** Where the partition stores of every table live (scanned for local state). */
  readonly tablesDir: string;
  readonly codecsOf: (table: TableDeclaration) => TopicCodecs;
  /** The unbuffered producer: changelog flushes need their offsets. */
  readonly producer: () => Producer;
  readonly clock?: Clock;
  /** How often recovery logs progress. Default 5 s. */
  readonly progressIntervalMs?: number;
  /** Windowed tables: sends their sink records through the buffered producer. */
  readonly send?: (record: ProducerRecord) => void;
  /** Windowed tables: runs the table's onWindowClose handler (none: resolves). */
  readonly onWindowClose?: (table: string, closed: ClosedWindow) => Promise<void>;
  /** Whether the consumer has read a partition (by number) to its end: idle closes wait for it. Default: always. */
  readonly isCaughtUp?: (partition: number) => boolean;
  /** The tables' onKeySet, onKeyDel and onChangelogEvent hooks; none when absent. */
  readonly hooks?: TableHooks;
}

const PROGRESS_MS = 5000;

export class Tables extends Service {
  readonly runtimes: ReadonlyMap<string, TableRuntime>;
  /** The windowed tables, by name (their TableRuntime is in `runtimes` too). */
  readonly windowed: ReadonlyMap<string, WindowedRuntime>;
  readonly #inFlight: RecoveriesInFlight;
  readonly #options: TablesOptions;
  readonly #clock: Clock;
  readonly #held = new Map<string, Held>();
  #partitionsOf = new Map<string, number>();
  #generation: AbortController | undefined;
  #recovering: Promise<void> = Promise.resolve();
  #isRecovered = false;
  /** Store writes still running on partitions detached since the last assignment. */
  readonly #detachedWrites = new Set<Promise<void>>();
  /** Closing and expiry of the windowed tables' windows. */
  readonly #windowLoops: WindowLoops;
  /** Set once a store write failed: every later commit fails before it sends anything. */
  #writeFailure: StreamdError | undefined;
  readonly #restoreParts: RestoreParts;

  constructor(options: TablesOptions) {
    super({ name: 'table recovery', logger: options.logger });
    this.#options = options;
    this.#clock = options.clock ?? new SystemClock();
    this.#inFlight = new RecoveriesInFlight(this.#clock);
    const built = buildRuntimes({ ...options, partitionsOf: (topic) => this.#partitionsOf.get(topic), clock: this.#clock, log: this.log });
    this.runtimes = built.runtimes;
    this.windowed = built.windowed;
    const metrics = options.metrics;
    this.#restoreParts = {
      reader: options.reader,
      metrics,
      log: this.log,
      clock: this.#clock,
      inFlight: this.#inFlight,
      stallTimeoutMs: options.manifest.settings.recoveryStallTimeoutMs,
      progressIntervalMs: options.progressIntervalMs ?? PROGRESS_MS,
      apply: (held, batch) => this.#applyBatch(held, batch, true),
      storeFailed: (held, cause) => this.#storeFailed(held.table.name, held.partition, cause, 'a store write during recovery'),
    };
    metrics.readStoreMemory(() => storeMemoryByTable([...this.#held.values()].map((held) => ({ table: held.table.name, store: held.store }))));
    this.#windowLoops = new WindowLoops({
      windowed: this.windowed,
      clock: this.#clock,
      log: this.log,
      cleanupIntervalMs: options.manifest.settings.tableCleanupIntervalMs,
      hooks: {
        onWindowClose: options.onWindowClose ?? (() => Promise.resolve()),
        onClosed: (table, count) => metrics.windowsClosed(table).inc(count),
        isCaughtUp: options.isCaughtUp ?? (() => true),
      },
      spawn: (name, loop) => this.spawn(name, loop),
    });
  }

  get isEmpty(): boolean {
    return this.runtimes.size === 0;
  }

  /** True once the active partitions of the current assignment and every global table are recovered. */
  get isRecovered(): boolean {
    return this.#isRecovered;
  }

  get changelogTopics(): string[] {
    return [...this.runtimes.values()].map((t) => t.changelog);
  }

  /** Decides each table's partition count and returns the changelogs to create (see table-layout.ts). */
  resolve(partitionsOf: ReadonlyMap<string, number>, sourceTopics: readonly string[]): TopicSpec[] {
    this.#partitionsOf = new Map(partitionsOf);
    return resolvePartitionCounts(this.runtimes.values(), partitionsOf, sourceTopics, this.#options.manifest.settings.topicReplicationFactor);
  }

  /** Checks existing changelogs against the counts `resolve` decided. */
  checkChangelogs(partitionsOf: ReadonlyMap<string, number>): void {
    checkChangelogCounts(this.runtimes.values(), partitionsOf);
  }

  copartitionGroups(subscribed: readonly string[]): CopartitionGroup[] {
    return copartitionGroups(this.runtimes.values(), this.#partitionsOf, subscribed);
  }

  changelogPartitionsOf(partitions: readonly TopicPartition[]): TopicPartition[] {
    return changelogPartitionsOf(this.runtimes.values(), this.#partitionsOf, partitions);
  }

  /** Table partitions whose stores are on this worker's disk, with their offsets when known. */
  localState(): LocalPartition[] {
    let names: string[];
    try {
      names = readdirSync(this.#options.tablesDir);
    } catch {
      names = [];
    }
    return localPartitions(this.runtimes.values(), this.#held, names);
  }

  /** The handles of every table for one actor. */
  handles(scope: HandleScope): Record<string, AnyTable> {
    const out: Record<string, AnyTable> = {};
    for (const [name, table] of this.runtimes) out[name] = this.windowed.get(name)?.handle(scope) ?? table.handle(scope);
    return out;
  }

  protected override async onStart(): Promise<void> {
    if (this.windowed.size > 0) this.#windowLoops.start();
    const globals = [...this.runtimes.values()].filter((t) => t.isGlobal);
    if (globals.length === 0) return;
    const signal = this.signal;
    const jobs: Promise<void>[] = [];
    const ends = await changelogEnds(this.#options.driver, globals.map((t) => t.changelog));
    for (const table of globals) {
      for (let p = 0; p < table.partitionCount; p++) {
        jobs.push(this.#recover(table, p, 'global', ends, signal));
      }
    }
    await Promise.all(jobs);
    this.log.info({ tables: globals.map((t) => t.name) }, 'global tables caught up');
  }

  protected override async onStop(): Promise<void> {
    this.#generation?.abort();
    await this.#recovering.catch(() => undefined);
    for (const held of this.#held.values()) this.#options.reader.unfollow({ topic: held.table.changelog, partition: held.partition });
    for (const table of this.runtimes.values()) for (const partition of table.partitions.values()) await partition.whenWritten().catch(() => undefined);
    await Promise.all([...this.#detachedWrites].map((written) => written.catch(() => undefined)));
    await Promise.all([...this.#held.values()].map((held) => held.store.close()));
    this.#held.clear();
  }

  /**
   * The assignment is going away: pending writes are dropped (their events will be processed
   * again), and the partitions take no more writes. Called by the consumer on every revoke (a
   * rebalance, a broker failure), after its commit took the committable writes, and again on the
   * next assignment. A partition kept serving events still in hand after the revoke would fold
   * their writes into a later flush whose positions also claim the events of a flush the revoke
   * dropped: the next owner would then skip those events, and their counts would be lost.
   */
  revoked(): void {
    this.#isRecovered = false;
    this.#generation?.abort();
    for (const table of this.runtimes.values()) {
      if (table.isGlobal) continue;
      for (const partition of table.partitions.values()) {
        partition.detach();
        this.#detachedWrites.add(partition.whenWritten());
      }
      table.partitions.clear();
    }
  }

  /**
   * Flushes a commit took but will not send (the commit was abandoned or failed before or while
   * sending them). Their partitions take no more writes: every later flush of a partition carries
   * positions that cover this flush's events too, so a later flush sent without this one would
   * claim writes the changelog never got. The events are processed again after the next assignment.
   */
  dropFlushes(flushes: readonly Flush[]): void {
    for (const flush of flushes) {
      // A global table's partitions serve every worker and never skip events by their positions.
      if (!flush.partition.isAttached || this.runtimes.get(flush.partition.table)?.isGlobal === true) continue;
      this.log.info({ table: flush.partition.table, partition: flush.partition.partition, writes: flush.entries.size }, 'table partition stops taking writes: a commit dropped its flush; the events are processed again after the next assignment');
      flush.partition.detach();
      this.#detachedWrites.add(flush.partition.whenWritten());
    }
  }

  /**
   * Takes a new assignment: closes what is no longer needed, follows new standbys, recovers the
   * active partitions. Resolves when the actives are recovered; rejects when the recovery stalls
   * or fails (the worker must stop); resolves quietly when a newer assignment supersedes it.
   */
  assigned(cluster: ClusterAssignment, pendingCommit: () => Promise<void>): Promise<void> {
    this.revoked();
    const generation = new AbortController();
    this.#generation = generation;
    const previous = this.#recovering;
    const run = (async () => {
      await previous.catch(() => undefined);
      await pendingCommit().catch(() => undefined);
      // Store writes of the partitions revoked before this assignment end before recovery reads the stores.
      const detached = [...this.#detachedWrites];
      this.#detachedWrites.clear();
      await Promise.all(detached.map((written) => written.catch(() => undefined)));
      if (generation.signal.aborted) return;
      await this.#apply(cluster, generation.signal);
    })();
    this.#recovering = run;
    return run.catch((err: unknown) => {
      if (generation.signal.aborted) return;
      throw err;
    });
  }

  async #apply(cluster: ClusterAssignment, signal: AbortSignal): Promise<void> {
    const mine = new Set(this.changelogTopics);
    const actives = cluster.actives.filter((tp) => mine.has(tp.topic));
    const standbys = cluster.standbys.filter((tp) => mine.has(tp.topic));
    const wanted = new Set([...actives, ...standbys].map(tpId));
    for (const [id, held] of this.#held) {
      if (held.role === 'global' || wanted.has(id)) continue;
      this.#options.reader.unfollow({ topic: held.table.changelog, partition: held.partition });
      if (held.role !== 'idle') this.log.info({ table: held.table.name, partition: held.partition, was: held.role }, 'table partition released');
      held.role = 'idle';
    }
    const byTopic = new Map([...this.runtimes.values()].map((t) => [t.changelog, t]));
    for (const tp of standbys) await this.#standby(byTopic.get(tp.topic)!, tp.partition);
    const started = this.#clock.now();
    const ends = await changelogEnds(this.#options.driver, [...new Set(actives.map((tp) => tp.topic))]);
    await Promise.all(actives.map((tp) => this.#recover(byTopic.get(tp.topic)!, tp.partition, 'active', ends, signal)));
    if (signal.aborted) return;
    this.#isRecovered = true;
    if (actives.length > 0) {
      this.log.info({ partitions: actives.length, seconds: (this.#clock.now() - started) / 1000 }, `tables recovered: ${actives.length} active partitions ready`);
    }
  }

  /** The store of a table partition, opened (or rebuilt when corrupted) on first use. */
  async #hold(table: TableRuntime, partition: number): Promise<Held> {
    const id = tpId({ topic: table.changelog, partition });
    const existing = this.#held.get(id);
    if (existing !== undefined) return existing;
    const store = await openOrRebuild(this.#options.manifest.store, { ...this.#storeOpening(table.name, partition), logger: this.log }).catch((err: unknown) => {
      throw hasCode(err, 'STREAMD_STORE_IO') ? this.#storeFailed(table.name, partition, err, 'opening the store') : err;
    });
    const held: Held = { table, partition, store, role: 'idle', offset: await store.offset(), positions: TablePositions.decode(await store.meta()) };
    this.#held.set(id, held);
    return held;
  }

  /** Where and how a table partition's store opens: its directory, and the settings' RocksDB tuning. */
  #storeOpening(table: string, partition: number): StoreOpenOptions {
    return { path: this.#options.storePath(table, partition), options: storeOptionsOf(this.#options.manifest.settings) };
  }

  async #standby(table: TableRuntime, partition: number): Promise<void> {
    const held = await this.#hold(table, partition);
    if (held.role === 'standby') return;
    held.role = 'standby';
    const tp = { topic: table.changelog, partition };
    this.#options.reader.follow(tp, held.offset === undefined ? 0n : held.offset + 1n, (batch) => this.#applyBatch(held, batch));
    this.log.info({ table: table.name, partition, from: held.offset?.toString() ?? 'start' }, 'following table partition as a standby');
  }

  /** Brings one partition's store to the changelog's end, then serves it (active or global). */
  async #recover(table: TableRuntime, partition: number, role: 'active' | 'global', ends: ReadonlyMap<string, bigint>, signal: AbortSignal): Promise<void> {
    const tp = { topic: table.changelog, partition };
    this.#options.reader.unfollow(tp);
    let held = await this.#hold(table, partition);
    const end = ends.get(tpId(tp)) ?? 0n;
    if (held.offset !== undefined && held.offset >= end) {
      this.log.warn(
        { table: table.name, partition, storedOffset: held.offset.toString(), changelogEnd: end.toString(), action: 'wipe-and-rebuild' },
        'the store claims changelog offsets past the changelog end (the topic was recreated or truncated): wiping it; it will be rebuilt from the changelog',
      );
      await held.store.destroy();
      this.#held.delete(tpId(tp));
      const store = await openStore(this.#options.manifest.store, this.#storeOpening(table.name, partition));
      held = { table, partition, store, role: 'idle', offset: undefined, positions: new TablePositions() };
      this.#held.set(tpId(tp), held);
    }
    held.role = role;
    const from = held.offset === undefined ? 0n : held.offset + 1n;
    const restored = await restorePartition(this.#restoreParts, held, from, end, signal);
    if (restored === undefined) return;
    table.maxRecordBytes ??= await this.#options.producer().maxRecordBytes(table.changelog);
    if (signal.aborted) return;
    const served = new TablePartition(table.name, partition, held.store, held.positions.clone(), { isFollowerFed: role === 'global' });
    // A store restored from empty with more keys than the clean cache holds would be read only to find out.
    if (role !== 'global' && !restored.isOverWarmLimit) await served.warm();
    if (signal.aborted) return;
    if (role === 'global') {
      // The follower goes on applying; own flushes are served from memory until it passes them.
      this.#options.reader.follow(tp, held.offset === undefined ? 0n : held.offset + 1n, async (batch) => {
        await this.#applyBatch(held, batch);
        served.followed(batch.nextOffset - 1n);
      });
    }
    await this.windowed.get(table.name)?.attach(served);
    table.partitions.set(partition, served);
  }

  /**
   * Stops closing windows and waits for a close in progress: called by the worker's drain before its
   * last commit, which then carries every close made (so a restart repeats none).
   */
  stopClosing(): Promise<void> {
    return this.#windowLoops.stopClosing();
  }

  /** The active partitions being recovered now (empty when none is), in the order they began. */
  recoveryProgress(): RecoveryProgress[] {
    return this.#inFlight.list();
  }

  async #applyBatch(held: Held, batch: RecordBatch, isRecovery = false): Promise<void> {
    const keyOf = held.table.changelogKeys(held.partition);
    held.offset = await applyChangelogInWrites(held.store, held.positions, batch, held.census?.counting(keyOf) ?? keyOf, this.#options.manifest.settings.recoveryBufferSize);
    if (isRecovery) this.#options.metrics.recoveryApplied(held.table.name, batch.records.length);
    await held.table.changelogApplied(held.partition, batch);
  }

  // The commit protocol's table steps (ARCHITECTURE.md §3), called by the consumer's commit.

  /** Takes every partition's committable writes. */
  takeFlushes(): Flush[] {
    const out: Flush[] = [];
    for (const table of this.runtimes.values()) {
      for (const partition of table.partitions.values()) {
        const flush = partition.takeFlush();
        if (flush !== undefined) out.push(flush);
      }
    }
    return out;
  }

  /** Sends the flushes as changelog records (changelog-records.ts) and notes the offset each reached. */
  async sendFlushes(flushes: readonly Flush[]): Promise<void> {
    this.assertWritable();
    if (flushes.length === 0) return;
    const { records, owners } = this.changelogRecords(flushes);
    const sent = await this.#options.producer().send(records);
    sent.forEach((meta, index) => noteOffset(owners[index]!, meta.offset));
  }

  /** Rejects every commit once a store write failed (see `writeFlushes`). */
  assertWritable(): void {
    if (this.#writeFailure !== undefined) throw this.#writeFailure;
  }

  /** The flushes as changelog records (changelog-records.ts), each with its flush; counted as sent changelog records. */
  changelogRecords(flushes: readonly Flush[]): { records: ProducerRecord[]; owners: Flush[] } {
    for (const flush of flushes) this.#options.metrics.changelogRecords(flush.partition.table, flush.entries.size);
    return changelogRecords(flushes, (name) => this.runtimes.get(name)!);
  }

  /** True for a flush of a global table (its changelog is read back by every worker's follower). */
  isGlobal(flush: Flush): boolean {
    return this.runtimes.get(flush.partition.table)!.isGlobal;
  }

  /** The changelog partition a flush is sent to. */
  changelogOf(flush: Flush): TopicPartition {
    return { topic: this.runtimes.get(flush.partition.table)!.changelog, partition: flush.partition.partition };
  }

  /**
   * Writes sent flushes into the stores (after the offsets were committed). A failed store write
   * (a full disk, above all) stops the worker: one fatal log line says which table partition and
   * what to do, the tables crash (so the worker stops), and every later commit fails before it sends
   * or commits anything. What the failed write held is on the changelog already, so a restart with
   * the cause fixed recovers it.
   */
  async writeFlushes(flushes: readonly Flush[]): Promise<void> {
    const results = await Promise.allSettled(
      flushes.map(async (flush) => {
        await flush.partition.writeFlush(flush);
        const held = this.#held.get(tpId({ topic: this.runtimes.get(flush.partition.table)!.changelog, partition: flush.partition.partition }));
        if (held !== undefined && flush.offset !== undefined && !held.table.isGlobal) {
          held.offset = flush.offset;
          held.positions = flush.positions.clone();
        }
      }),
    );
    const failed = results.findIndex((r) => r.status === 'rejected');
    if (failed < 0) return;
    const { table, partition } = flushes[failed]!.partition;
    this.#writeFailed(table, partition, (results[failed] as PromiseRejectedResult).reason);
  }

  #writeFailed(table: string, partition: number, cause: unknown): never {
    this.#writeFailure ??= this.#storeFailed(table, partition, cause, 'a store write');
    if (this.state === 'running') this.crash(this.#writeFailure);
    throw this.#writeFailure;
  }

  #storeFailed(table: string, partition: number, cause: unknown, what: string): StreamdError {
    return reportStoreFailure(this.log, { table, partition, path: this.#options.storePath(table, partition), cause, what });
  }
}

/** Notes a changelog offset a flush reached: the store records the highest. */
export function noteOffset(flush: Flush, offset: bigint): void {
  if (flush.offset === undefined || offset > flush.offset) flush.offset = offset;
}
