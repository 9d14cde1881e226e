// What the CLI and the web server see of a worker: lifecycle, ingest, topology and readiness.
// The worker (src/worker/worker.ts) implements it; tests may fake it.

import type { RecordMetadata } from '../kafka/index.js';
import type { Manifest } from '../manifest/index.js';
import type { ServiceExit } from '../service/index.js';
import type { WorkerMetrics } from '../metrics/index.js';

/** A value to produce to a declared topic; key and value are encoded by the topic's codecs. */
export interface IngestMessage {
  readonly key?: unknown;
  readonly value: unknown;
  readonly partition?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface AgentInfo {
  readonly name: string;
  /** The topics the agent reads; the first is its main topic (where `send`/`ask` go). */
  readonly topics: readonly string[];
  readonly concurrency: number;
  readonly sinks: readonly string[];
  /** Repartition topics its handler declares with groupBy. */
  readonly repartitionTopics: readonly string[];
  readonly handler: string;
}

export interface Topology {
  readonly id: string;
  readonly sourceTopics: readonly string[];
  readonly internalTopics: readonly string[];
  readonly agents: readonly AgentInfo[];
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
  /**
   * Produces to a declared topic (or an agent's topic as `@agent`). Rejects with code
   * STREAMD_UNKNOWN_TOPIC for a topic the manifest does not declare, STREAMD_ENCODE for a value
   * the topic's codec or model rejects.
   */
  ingest(topic: string, messages: readonly IngestMessage[]): Promise<RecordMetadata[]>;
  topology(): Topology;
}
