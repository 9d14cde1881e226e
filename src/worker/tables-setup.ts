// Builds a worker's tables and the changelog reader they recover with, when the manifest declares
// tables: names from the app prefix, stores under the state directory, JSON values, and keys in the
// encoding a topic of the same key type has (raw UTF-8 for `string`, JSON for numbers and models),
// so a key's bytes, and so its partition, are the ones the producer of the source topic hashed.

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { BrokerOutage, KafkaDriver, Producer, ProducerRecord } from '../kafka/index.js';
import type { Manifest } from '../manifest/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import { createTopicCodecs, type ModelRegistry } from '../models/index.js';
import type { Clock } from '../service/index.js';
import { ChangelogReader, Tables, type ClosedWindow, type TableHooks } from '../tables/index.js';
import { changelogTopic, stateDir, tableStorePath } from './naming.js';

export interface TablesSetupInput {
  readonly manifest: Manifest;
  readonly prefix: string;
  readonly driver: KafkaDriver;
  readonly logger: Logger;
  readonly metrics: WorkerMetrics;
  readonly models: ModelRegistry;
  /** The unbuffered producer, once started. */
  readonly producer: () => Producer;
  readonly clock: Clock | undefined;
  /** Where the changelog reader reports broker failures it waits out. */
  readonly outage: BrokerOutage;
  /** Windowed tables' sink records: the buffered producer. */
  readonly send: (record: ProducerRecord) => void;
  readonly onWindowClose: (table: string, closed: ClosedWindow) => Promise<void>;
  readonly hooks: TableHooks;
  readonly isCaughtUp: (partition: number) => boolean;
}

export function createTables(input: TablesSetupInput): { readonly reader: ChangelogReader; readonly tables: Tables } | undefined {
  const { manifest, prefix } = input;
  if (manifest.tables.size === 0) return undefined;
  const reader = new ChangelogReader({
    driver: input.driver,
    logger: input.logger,
    groupId: `${prefix}-changelog-reader-${randomUUID().slice(0, 8)}`,
    topics: [...manifest.tables.keys()].map((t) => changelogTopic(prefix, t)),
    outage: input.outage,
  });
  const tables = new Tables({
    manifest,
    logger: input.logger,
    driver: input.driver,
    reader,
    metrics: input.metrics,
    changelogOf: (table) => changelogTopic(prefix, table),
    storePath: (table, partition) => tableStorePath(manifest, table, partition),
    tablesDir: `${stateDir(manifest)}/tables`,
    codecsOf: (table) =>
      createTopicCodecs({
        keyType: table.keyType.name,
        valueType: table.kind === 'set' ? 'json' : table.valueType.name,
        valueSerializer: 'json',
        models: input.models,
      }),
    producer: input.producer,
    send: input.send,
    onWindowClose: input.onWindowClose,
    hooks: input.hooks,
    isCaughtUp: input.isCaughtUp,
    ...(input.clock === undefined ? {} : { clock: input.clock }),
  });
  return { reader, tables };
}
