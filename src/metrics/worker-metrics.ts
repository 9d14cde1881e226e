// The worker's Prometheus metrics: one registry per worker, created once (never inside reloadable
// handler code), updated by the engine on batch boundaries rather than per record where it can.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { TallyHistogram, type TallySeries } from './tally-histogram.js';

/** One table's store memory, summed over the partitions the worker holds. */
export interface StoreMemorySum {
  readonly table: string;
  readonly memtableBytes: number;
  readonly blockCacheBytes: number;
}

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly #messagesIn: Counter<'topic'>;
  readonly #messagesOut: Counter<'topic'>;
  /** Events counted by agents since the last scrape; added to `streamd_events_total` when it is collected. */
  readonly #uncountedEvents: (agent: string) => Tally;
  readonly #handlerErrors: Counter<'agent'>;
  readonly #timerErrors: Counter<'timer'>;
  readonly #viewErrors: Counter<'view'>;
  readonly #decodeErrors: Counter<'topic' | 'agent' | 'policy'>;
  readonly #commits: Counter;
  readonly #commitLatency: Histogram;
  readonly #assigned: Gauge;
  readonly #rebalances: Counter;
  readonly #changelogRecords: Counter<'table'>;
  readonly #recoveryRecords: Counter<'table'>;
  readonly #recoveryRemaining: Gauge<'table'>;
  readonly #leader: Gauge;
  readonly #sendLatency: Histogram;
  readonly #processingLatency: TallyHistogram;
  readonly #tableReads: (table: string) => Tally;
  readonly #tableWrites: (table: string) => Tally;
  readonly #tableHookErrors: Counter<'table' | 'hook'>;
  readonly #lateEvents: Counter<'table'>;
  readonly #windowsClosed: Counter<'table'>;
  readonly #lag: Gauge<'topic' | 'partition'>;
  /** Reads the table stores' native memory at a scrape; none until the worker's tables set it. */
  #readStoreMemory: () => Promise<readonly StoreMemorySum[]> = () => Promise.resolve([]);

  /** `withDefaults`: also Node's process metrics (off in tests that create many workers). */
  constructor(options: { withDefaults?: boolean } = {}) {
    const registers = [this.registry];
    if (options.withDefaults ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'streamd_' });
    this.#messagesIn = new Counter({ name: 'streamd_messages_in_total', help: 'Records received from Kafka, per topic.', labelNames: ['topic'], registers });
    this.#messagesOut = new Counter({ name: 'streamd_messages_out_total', help: 'Records sent to Kafka, per topic.', labelNames: ['topic'], registers });
    this.#uncountedEvents = talliedCounter(registers, 'streamd_events_total', "Events taken by agents' handlers, per agent.", 'agent');
    this.#handlerErrors = new Counter({ name: 'streamd_handler_errors_total', help: 'Handler errors, per agent.', labelNames: ['agent'], registers });
    this.#timerErrors = new Counter({ name: 'streamd_timer_errors_total', help: 'Failed runs of timer and start-up task handlers, per timer or task.', labelNames: ['timer'], registers });
    this.#viewErrors = new Counter({ name: 'streamd_view_errors_total', help: 'View requests whose handler failed (answered 500), per view.', labelNames: ['view'], registers });
    this.#decodeErrors = new Counter({
      name: 'streamd_decode_errors_total',
      help: 'Records that could not be decoded, per topic, agent and onDecodeError policy.',
      labelNames: ['topic', 'agent', 'policy'],
      registers,
    });
    this.#commits = new Counter({ name: 'streamd_commits_total', help: 'Offset commits.', registers });
    this.#commitLatency = new Histogram({
      name: 'streamd_commit_latency_seconds',
      help: 'Time to flush the producer and commit offsets.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.#assigned = new Gauge({ name: 'streamd_assigned_partitions', help: 'Partitions assigned to this worker.', registers });
    this.#rebalances = new Counter({ name: 'streamd_rebalances_total', help: 'Consumer group rebalances this worker completed (each assignment it received, the first join included).', registers });
    this.#changelogRecords = new Counter({
      name: 'streamd_changelog_records_total',
      help: 'Changelog records sent, per table (one per key written since the previous commit).',
      labelNames: ['table'],
      registers,
    });
    this.#recoveryRecords = new Counter({
      name: 'streamd_recovery_records_total',
      help: 'Changelog records applied to local stores while recovering active partitions, per table.',
      labelNames: ['table'],
      registers,
    });
    this.#recoveryRemaining = new Gauge({
      name: 'streamd_recovery_remaining_records',
      help: 'Changelog records still to apply before the table is recovered, per table.',
      labelNames: ['table'],
      registers,
    });
    this.#sendLatency = new Histogram({
      name: 'streamd_send_latency_seconds',
      help: 'Time the broker took to acknowledge one batch of sink, repartition or changelog records.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.#processingLatency = new TallyHistogram(
      'streamd_processing_latency_seconds',
      "Time from an agent's actor taking an event to acknowledging it (handler, table reads, sends it awaits), per agent.",
      'agent',
      [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    );
    // A hot-path histogram of our own (tally-histogram.ts); the registry reads it like its own.
    this.registry.registerMetric(this.#processingLatency as unknown as Parameters<Registry['registerMetric']>[0]);
    this.#tableReads = talliedCounter(registers, 'streamd_table_reads_total', 'Table reads by handlers and the web API, per table.', 'table');
    this.#tableHookErrors = new Counter({ name: 'streamd_table_hook_errors_total', help: 'Calls of table hooks (onKeySet, onKeyDel, onChangelogEvent) that threw or rejected, per table and hook; the worker logged each and went on.', labelNames: ['table', 'hook'], registers });
    this.#tableWrites = talliedCounter(registers, 'streamd_table_writes_total', 'Table writes (set, delete, update) by handlers, per table.', 'table');
    this.#lateEvents = new Counter({ name: 'streamd_late_events_total', help: 'Events a windowed table dropped because every window they fall in had closed (end + grace passed), per table.', labelNames: ['table'], registers });
    this.#windowsClosed = new Counter({ name: 'streamd_windows_closed_total', help: 'Windows closed (onWindowClose called, final record sent), per windowed table.', labelNames: ['table'], registers });
    this.#lag = new Gauge({
      name: 'streamd_consumer_lag_records',
      help: 'Records between the committed offset and the end of each assigned partition, as of the last commit.',
      labelNames: ['topic', 'partition'],
      registers,
    });
    const readStoreMemory = (): Promise<readonly StoreMemorySum[]> => this.#readStoreMemory();
    new Gauge({
      name: 'streamd_store_memory_bytes',
      help: 'Native memory of the RocksDB stores this worker holds (active, standby and global partitions), per table and kind: memtable (write buffers not yet flushed, up to storeWriteBufferBytes × storeMaxWriteBuffers per partition) and block_cache (cached blocks). Read from RocksDB at each scrape; none for memory:// stores.',
      labelNames: ['table', 'kind'],
      registers,
      async collect() {
        const sums = await readStoreMemory();
        this.reset();
        for (const sum of sums) {
          this.set({ table: sum.table, kind: 'memtable' }, sum.memtableBytes);
          this.set({ table: sum.table, kind: 'block_cache' }, sum.blockCacheBytes);
        }
      },
    });
    this.#leader = new Gauge({ name: 'streamd_leader', help: '1 while this worker is the leader of its group, else 0.', registers });
  }

  messagesIn(topic: string, count: number): void {
    this.#messagesIn.inc({ topic }, count);
  }

  messagesOut(topic: string, count: number): void {
    this.#messagesOut.inc({ topic }, count);
  }

  /**
   * The event tally of `agent`: a plain number the agent increments per event, read into
   * `streamd_events_total` at each scrape (a labelled Prometheus inc per event is not free).
   */
  eventTally(agent: string): { count: number } {
    return this.#uncountedEvents(agent);
  }

  handlerError(agent: string): void {
    this.#handlerErrors.inc({ agent });
  }

  timerError(timer: string): void {
    this.#timerErrors.inc({ timer });
  }

  /** A view handler failed: `view` is `<METHOD> <path>`. */
  viewError(view: string): void {
    this.#viewErrors.inc({ view });
  }

  decodeError(topic: string, agent: string, policy: string): void {
    this.#decodeErrors.inc({ topic, agent, policy });
  }

  committed(seconds: number): void {
    this.#commits.inc();
    this.#commitLatency.observe(seconds);
  }

  assignedPartitions(count: number): void {
    this.#assigned.set(count);
  }

  rebalanced(): void {
    this.#rebalances.inc();
  }

  changelogRecords(table: string, count: number): void {
    this.#changelogRecords.inc({ table }, count);
  }

  recoveryApplied(table: string, count: number): void {
    this.#recoveryRecords.inc({ table }, count);
  }

  recoveryRemaining(table: string, records: number): void {
    this.#recoveryRemaining.set({ table }, records);
  }

  sendLatency(seconds: number): void {
    this.#sendLatency.observe(seconds);
  }

  /** The processing-latency histogram of `agent`, bound once (it is observed per event). */
  processingLatency(agent: string): TallySeries {
    return this.#processingLatency.series(agent);
  }

  /** A counter of reads of `table`, bound once: a tally read in at each scrape (see talliedCounter). */
  tableReads(table: string): { inc(): void } {
    return this.#tableReads(table);
  }

  /** Counts a table hook call that failed. */
  tableHookError(table: string, hook: string): void {
    this.#tableHookErrors.labels({ table, hook }).inc();
  }

  /** A counter of writes to `table`, bound once: a tally read in at each scrape (see talliedCounter). */
  tableWrites(table: string): { inc(): void } {
    return this.#tableWrites(table);
  }

  lateEvents(table: string): { inc(): void } {
    return this.#lateEvents.labels({ table });
  }

  windowsClosed(table: string): { inc(by?: number): void } {
    return this.#windowsClosed.labels({ table });
  }

  consumerLag(topic: string, partition: number, records: number): void {
    this.#lag.set({ topic, partition: String(partition) }, records);
  }

  /** Forgets the lag of partitions this worker no longer holds. */
  clearConsumerLag(): void {
    this.#lag.reset();
  }

  /** Where `streamd_store_memory_bytes` reads the stores' memory at each scrape (the worker's tables). */
  readStoreMemory(read: () => Promise<readonly StoreMemorySum[]>): void {
    this.#readStoreMemory = read;
  }

  leader(isLeader: boolean): void {
    this.#leader.set(isLeader ? 1 : 0);
  }

  /** The Prometheus text exposition and its content type. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** A count kept as a plain number on the per-record path, moved into its Prometheus counter at each scrape. */
class Tally {
  count = 0;

  inc(): void {
    this.count += 1;
  }
}

/**
 * A counter with one label whose series are fed by tallies (one per label value, made once) and
 * read in when the registry collects it: prom-client's own `labels(...).inc()` hashes and validates
 * the labels on every call, which a per-record counter pays for on every record.
 */
function talliedCounter(registers: Registry[], name: string, help: string, label: string): (value: string) => Tally {
  const tallies = new Map<string, Tally>();
  new Counter({
    name,
    help,
    labelNames: [label],
    registers,
    collect() {
      for (const [value, tally] of tallies) {
        if (tally.count > 0) this.inc({ [label]: value }, tally.count);
        tally.count = 0;
      }
    },
  });
  return (value) => {
    let tally = tallies.get(value);
    if (tally === undefined) tallies.set(value, (tally = new Tally()));
    return tally;
  };
}
