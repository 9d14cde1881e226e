// Builds the runtime of every table a manifest declares (and, for windowed tables, the windowed
// runtime around it), with the worker's metrics counters attached.

import type { Logger } from 'pino';
import type { ProducerRecord } from '../kafka/index.js';
import type { Manifest, TableDeclaration } from '../manifest/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import type { TopicCodecs } from '../models/index.js';
import type { Clock } from '../service/index.js';
import type { TableHooks } from './table-hooks.js';
import { TableRuntime } from './table-runtime.js';
import { WindowedRuntime } from './windowed-runtime.js';

export interface RuntimeParts {
  readonly manifest: Manifest;
  readonly metrics: WorkerMetrics;
  readonly changelogOf: (table: string) => string;
  readonly codecsOf: (table: TableDeclaration) => TopicCodecs;
  /** Partition counts of the topics, known once the worker has set up its topics. */
  readonly partitionsOf: (topic: string) => number | undefined;
  readonly clock: Clock;
  readonly log: Logger;
  readonly send?: ((record: ProducerRecord) => void) | undefined;
  readonly hooks?: TableHooks | undefined;
}

export function buildRuntimes(parts: RuntimeParts): { runtimes: Map<string, TableRuntime>; windowed: Map<string, WindowedRuntime> } {
  const runtimes = new Map<string, TableRuntime>();
  const windowed = new Map<string, WindowedRuntime>();
  const { metrics, log, hooks, send } = parts;
  for (const declaration of parts.manifest.tables.values()) {
    const reads = metrics.tableReads(declaration.name);
    const writes = metrics.tableWrites(declaration.name);
    const runtime = new TableRuntime({
      declaration,
      changelog: parts.changelogOf(declaration.name),
      codecs: parts.codecsOf(declaration),
      partitionsOf: parts.partitionsOf,
      log,
      onRead: () => reads.inc(),
      onWrite: () => writes.inc(),
      ...(hooks === undefined ? {} : { hooks }),
    });
    runtimes.set(declaration.name, runtime);
    if (declaration.window !== undefined) {
      const late = metrics.lateEvents(declaration.name);
      windowed.set(declaration.name, new WindowedRuntime({ table: runtime, window: declaration.window, clock: parts.clock, log, send: (record) => send?.(record), onLate: () => late.inc() }));
    }
  }
  return { runtimes, windowed };
}
