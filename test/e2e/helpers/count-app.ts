// A keyed count app for the big-state end-to-end tests: `counts[key] += 1` over a topic keyed by
// string (test/fixtures/apps/count), every setting at its default, under a fresh app id and topic on
// the real broker; or its `sized` variant, whose events ask for table values and sink records of a
// given size (the record-too-large tests). The tests judge it by the group's committed offsets and
// the changelog's last value per key.

import { writeFile } from 'node:fs/promises';
import type { ProducerRecord } from '../../../src/kafka/index.js';
import { sendPipelined } from '../../../bench/pipelined-sends.js';
import { Daemon, type DaemonOptions } from './daemon.js';
import { waitCommittedToEnd } from './group-progress.js';
import { brokerAddress } from './pipeline-app.js';
import { GeneratedApp } from './generated-app.js';

export const COUNT_PARTITIONS = 4;

export class CountApp extends GeneratedApp {
  readonly input = `counted_${this.appId.replace(/-/g, '_')}`;
  readonly output = `${this.input}_out`;
  readonly changelog: string;
  readonly deadLetters = `${this.appId}-count-dlq`;
  readonly #settings: string;
  readonly #variant: 'count' | 'sized';

  /** `settings` are extra manifest settings lines (`name: value`); none by default. */
  constructor(options: { readonly settings?: readonly string[]; readonly variant?: 'count' | 'sized' } = {}) {
    super('count', 'count');
    const settings = options.settings ?? [];
    this.#settings = settings.length === 0 ? '' : `settings:\n${settings.map((s) => `  ${s}`).join('\n')}\n`;
    this.#variant = options.variant ?? 'count';
    this.changelog = `${this.appId}-${this.#variant === 'count' ? 'counts' : 'blobs'}-changelog`;
  }

  /** Creates the input topic and writes the manifest. */
  async setUp(): Promise<void> {
    await (await this.admin()).createTopics([
      { topic: this.input, partitions: COUNT_PARTITIONS },
      ...(this.#variant === 'sized' ? [{ topic: this.output, partitions: COUNT_PARTITIONS }] : []),
    ]);
    const isSized = this.#variant === 'sized';
    const manifest = [
      `id: ${this.appId}`,
      `broker: kafka://${brokerAddress()}`,
      'store: rocksdb://',
      'datadir: ${STREAMD_DATADIR}',
      this.#settings,
      'topics:',
      `  ${this.input}: { keyType: string, partitions: ${COUNT_PARTITIONS}, onDecodeError: "\${ON_DECODE_ERROR:-skip}" }`,
      ...(isSized ? [`  ${this.output}: { keyType: string, partitions: ${COUNT_PARTITIONS} }`] : []),
      'tables:',
      isSized ? '  blobs: { keyType: string, valueType: string }' : '  counts: { keyType: string, valueType: integer, default: 0 }',
      'agents:',
      '  count:',
      `    topic: ${this.input}`,
      `    handler: ./handlers.ts#${this.#variant}`,
      ...(isSized ? [`    sinks: [${this.output}]`] : []),
      '',
    ].join('\n');
    await writeFile(this.manifest, manifest);
  }

  /** Produces one record per key (value `{}`) in batches of `batchSize`, a few sends in flight. */
  async load(keys: Iterable<string>, batchSize = 10_000): Promise<void> {
    const input = this.input;
    const value = Buffer.from('{}');
    function* batches(): Generator<ProducerRecord[]> {
      let batch: ProducerRecord[] = [];
      for (const key of keys) {
        batch.push({ topic: input, key: Buffer.from(key), value });
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    }
    const producer = await this.driver.producer();
    try {
      await sendPipelined(producer, batches(), 4);
    } finally {
      await producer.close();
    }
  }

  async start(datadir: string, options: Partial<DaemonOptions> = {}): Promise<Daemon> {
    const daemon = await Daemon.start({ manifest: this.manifest, ...options, env: { STREAMD_DATADIR: datadir, ...options.env } });
    this.track(daemon);
    return daemon;
  }

  async waitCommittedToEnd(timeoutMs: number): Promise<void> {
    await waitCommittedToEnd(await this.admin(), this.appId, this.input, timeoutMs);
  }

  /**
   * The changelog's last value per key, read from its start to its end offsets, with how many
   * records carry the positions header and whether each partition's last record does. Keys are
   * decoded whether the table writes them as JSON strings or as raw UTF-8.
   */
  async changelogValues(timeoutMs: number): Promise<{ values: Map<string, number>; records: number; withPositions: number; isLastWithPositions: boolean }> {
    const values = new Map<string, number>();
    let records = 0;
    let withPositions = 0;
    const lastHasPositions = new Map<number, boolean>();
    await this.readEach(this.changelog, timeoutMs, (record) => {
      records++;
      const hasPositions = record.headers['streamd-positions'] !== undefined;
      if (hasPositions) withPositions++;
      lastHasPositions.set(record.partition, hasPositions);
      const raw = record.key!.toString();
      const key = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
      if (record.value === null) values.delete(key);
      else values.set(key, JSON.parse(record.value.toString()) as number);
    });
    return { values, records, withPositions, isLastWithPositions: [...lastHasPositions.values()].every(Boolean) };
  }

  /** The changelog's last value per key, values decoded as JSON (the sized variant's strings). */
  async changelogValuesOf<T>(timeoutMs: number): Promise<{ values: Map<string, T> }> {
    const values = new Map<string, T>();
    await this.readEach(this.changelog, timeoutMs, (record) => {
      const key = record.key!.toString();
      if (record.value === null) values.delete(key);
      else values.set(key.startsWith('"') ? (JSON.parse(key) as string) : key, JSON.parse(record.value.toString()) as T);
    });
    return { values };
  }
}
