// What the CLI and the web server see of a worker: lifecycle, ingest, topology and readiness.
// The worker (src/worker/worker.ts) implements it; tests may fake it.

import type { BrokerOutageState, RecordMetadata } from '../kafka/index.js';
import type { Manifest, WindowDeclaration } from '../manifest/index.js';
import type { ServiceExit } from '../service/index.js';
import type { RecoveryProgress, WindowValue } from '../tables/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import type { ViewSource } from '../web/view-types.js';

/** A value to produce to a declared topic; key and value are encoded by the topic's codecs. */
export interface IngestMessage {
  readonly key?: unknown;
  readonly value: unknown;
  readonly partition?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A topic of the physical plan and its partition count (null until the worker has described it). */
export interface TopicInfo {
  readonly name: string;
  readonly partitions: number | null;
}

/** Every topic the app reads or writes, with what it is for. */
export type TopicPlan = TopicInfo &
  (
    /** `source`: a declared topic an agent reads; `sink`: a declared topic no agent reads (an agent's sink, or sent to by handlers). */
    | { readonly role: 'source' | 'sink' | 'leader' }
    /** A topic pattern (`pattern:`): the regular expression that names the topics agents read through it. */
    | { readonly role: 'source'; readonly pattern: string }
    /** Written and read by `agent`'s `groupBy(name)`: the agent sends each event there keyed anew, and reads it back. */
    | { readonly role: 'repartition'; readonly agent: string; readonly groupBy: string }
    | { readonly role: 'changelog'; readonly table: string }
    /** Where `agent` puts events it cannot decode (a source topic with onDecodeError: dlq). */
    | { readonly role: 'dead-letter'; readonly agent: string }
  );

export interface AgentInfo {
  readonly name: string;
  /** The topics the agent reads; the first is its main topic (where `send`/`ask` go). */
  readonly topics: readonly string[];
  readonly concurrency: number;
  readonly sinks: readonly string[];
  /** Repartition topics its handler declares with groupBy. */
  readonly repartitionTopics: readonly string[];
  readonly handler: string;
  /** Its declared topics with partition counts. */
  readonly sources: readonly TopicInfo[];
  /** Each groupBy of its handler, in order, and the repartition topic it goes through. */
  readonly groupBys: readonly (TopicInfo & { readonly groupBy: string })[];
  /** Topics its handler passes events through with `through()`. */
  readonly throughTopics: readonly string[];
  /** Its dead-letter topic, when one of its topics sends undecodable events there. */
  readonly deadLetterTopic: TopicInfo | null;
}

/** A table in the physical plan. */
export interface TablePlan {
  readonly name: string;
  readonly kind: 'table' | 'set';
  readonly global: boolean;
  readonly keyType: string;
  readonly valueType: string;
  readonly changelog: string;
  /** Partitions of the table (and its changelog): declared, else decided at start; null before. */
  readonly partitions: number | null;
  /** Warm copies of each partition on other workers (settings.standbyReplicas); 0 for a global table, which every worker holds whole. */
  readonly standbyReplicas: number;
  /** The window of a windowed table (durations in ms), null for a plain one. */
  readonly window: WindowDeclaration | null;
}

/** The physical plan of the app (Kafka Streams' `describe()`): GET /topology serves it. */
export interface Topology {
  readonly id: string;
  readonly version: number;
  /**
   * The guarantee in force. exactly_once: one transaction per task (an input partition, or
   * co-partitioned ones) and commit holds what processing it sent, its changelog records and its
   * offsets; sends from timers, crontabs, start-up tasks, views, ask requests and global tables are
   * at-least-once.
   */
  readonly processingGuarantee: 'at_least_once' | 'exactly_once';
  /** The declared topics an agent reads. */
  readonly sourceTopics: readonly string[];
  /** The declared topics no agent reads: agents' sinks and topics handlers send to. */
  readonly sinkTopics: readonly string[];
  /** The topics streamd creates for the app: repartition, changelog, dead-letter and leader topics. */
  readonly internalTopics: readonly string[];
  /** Every topic, declared and internal, with its role and partition count. */
  readonly topics: readonly TopicPlan[];
  readonly agents: readonly AgentInfo[];
  readonly tables: readonly TablePlan[];
  /** One partition; the worker holding it is the leader (leader-only timers run there). */
  readonly leaderTopic: TopicInfo;
  readonly timers: readonly { readonly name: string; readonly intervalMs: number; readonly isLeaderOnly: boolean }[];
  readonly crontabs: readonly { readonly name: string; readonly cron: string; readonly timezone: string; readonly isLeaderOnly: boolean }[];
  readonly tasks: readonly { readonly name: string; readonly isLeaderOnly: boolean }[];
  /** `routeBy`: the view runs on the owner of the key in parameter `param` of `table`. */
  readonly views: readonly { readonly method: string; readonly path: string; readonly routeBy?: { readonly table: string; readonly param: string } }[];
}

/** A declared table as the web API lists it. */
export interface TableInfo {
  readonly name: string;
  readonly kind: 'table' | 'set';
  readonly isGlobal: boolean;
  /** The declared key type (`string`, `integer`, ... or a model name): how a key in a URL is read. */
  readonly keyType: string;
  /** Changelog partitions (0 before the worker has resolved its topics). */
  readonly partitions: number;
  readonly changelog: string;
  /** The partitions this worker holds, recovered and attached, ascending. */
  readonly localPartitions: readonly number[];
  readonly hasDefault: boolean;
  readonly defaultValue?: unknown;
  /** The window of a windowed table (durations in ms). */
  readonly window?: WindowDeclaration;
}

/** Which windows of a key to answer: those containing `at`, or overlapping `[from, to]`. */
export interface WindowFilter {
  readonly at?: number;
  readonly from?: number;
  readonly to?: number;
}

/** Where a key lives: its partition, whether this worker holds it, and the owner's URL if known. */
export interface KeyLocation {
  readonly partition: number;
  readonly isLocal: boolean;
  /** Undefined before the first assignment, or when no member owns the partition. */
  readonly ownerUrl: string | undefined;
}

/** One page of a table scan; `next` is the key to pass as `after` for the next page. */
export interface TablePage {
  readonly entries: readonly { readonly key: unknown; readonly value: unknown }[];
  readonly hasNext: boolean;
  readonly next?: unknown;
}

/** The table reads the web API serves (src/worker/table-queries.ts implements it). */
export interface TableQueries {
  /** How other workers reach this one. */
  readonly url: string;
  list(): TableInfo[];
  info(table: string): TableInfo | undefined;
  /** Throws (code STREAMD_UNKNOWN_TABLE) for a table that is not declared. */
  locate(table: string, key: unknown): KeyLocation;
  /** The stored value, or `found: false`; throws STREAMD_TABLE_PARTITION_NOT_LOCAL when the key's partition is not held. */
  read(table: string, key: unknown): Promise<{ readonly found: true; readonly value: unknown } | { readonly found: false }>;
  /** Up to `limit` entries of the local partitions after the key `after` (from the start when absent). */
  scan(table: string, limit: number, after?: { readonly key: unknown }): Promise<TablePage>;
  /** A windowed table's windows of `key` (oldest first) that pass `filter`; throws as `read` does. */
  readWindows?(table: string, key: unknown, filter: WindowFilter): Promise<readonly WindowValue[]>;
}

/**
 * Where the worker is on its way to processing: `starting` (topics, stores), `joining` (waiting for
 * its assignment), `recovering` (tables of its assignment), `ready`, `stopping`.
 */
export interface Readiness {
  readonly phase: 'starting' | 'joining' | 'recovering' | 'ready' | 'stopping' | 'broker-unavailable';
  readonly recovering: readonly RecoveryProgress[];
  /** While the phase is `broker-unavailable`: since when, the last failure, and the deadline it counts against. */
  readonly broker?: BrokerOutageState & { readonly timeoutMs: number };
}

export interface WorkerHandle {
  readonly manifest: Manifest;
  readonly metrics: WorkerMetrics;
  start(): Promise<void>;
  /** Graceful: stop fetching, drain in-flight events, commit, flush, close. Never rejects. */
  stop(): Promise<ServiceExit>;
  whenStopped(): Promise<ServiceExit>;
  /** Joined the group and ready to process (tables recovered, once there are tables). */
  isReady(): boolean;
  /** What the worker is doing now and, while it recovers tables, how far each partition has come (`GET /ready`). */
  readiness(): Readiness;
  /**
   * Produces to a declared topic (or an agent's topic as `@agent`). Rejects with code
   * STREAMD_UNKNOWN_TOPIC for a topic the manifest does not declare, STREAMD_BAD_PARTITION for a
   * partition the topic does not have, STREAMD_ENCODE for a value the topic's codec or model rejects.
   */
  ingest(topic: string, messages: readonly IngestMessage[]): Promise<RecordMetadata[]>;
  topology(): Topology;
  /** Table reads for the web API: what is declared, where a key lives, local reads and scans. */
  readonly tableQueries: TableQueries;
  /** The manifest's views with their current handlers, for the web routes. */
  readonly views: ViewSource;
}
