// One declared table on this worker: its codecs, the partitions it holds, and the handles handlers
// use. The partition of a read or write is the partition of the event being processed (tables are
// co-partitioned with the stream that writes them, as in Faust); global tables, and reads outside
// an event, use the key's partition (murmur2 over the encoded key, as the producer does). Keys are
// encoded with the codec of the topic that writes the table, so the two agree; a key written on
// another partition (a producer with another partitioner) is warned about once per partition.
// Accepted writes and applied changelog records are told to the table's hooks (table-hooks.ts).

import type { Logger } from 'pino';
import { ConfigError, StreamdError } from '../errors/index.js';
import { partitionForKey, recordBytes, RecordTooLargeError, type RecordBatch } from '../kafka/index.js';
import type { TableDeclaration } from '../manifest/index.js';
import type { Codec, TopicCodecs } from '../models/index.js';
import type { Event } from '../streams/index.js';
import { changelogKeyReader, type ChangelogKeyReader } from './key-encoding.js';
import type { HookSite, TableHooks } from './table-hooks.js';
import type { TablePartition } from './table-partition.js';
import type { SetTable, Table } from './types.js';

/**
 * Room kept in every changelog record for the positions header that the last record of a flush
 * carries (its size grows with the topics and origin partitions that write the table; a few hundred
 * bytes is usual). A value closer to the limit than this is refused even though most records would
 * have carried it: which record is last is not known when the handler writes.
 */
const POSITIONS_RESERVE_BYTES = 8 * 1024;

export class TablePartitionError extends StreamdError {
  constructor(message: string) {
    super('STREAMD_TABLE_PARTITION_NOT_LOCAL', message, { retriable: true });
  }
}

/** What a handle needs from the actor it belongs to. */
export interface HandleScope {
  readonly agent: string;
  readonly currentEvent: () => Event | undefined;
  /** Set for agents with concurrency > 1: their events run out of order, so they may only read. */
  readonly readOnly?: { readonly onWrite: (error: Error) => void };
}

export interface TableRuntimeOptions {
  readonly declaration: TableDeclaration;
  readonly changelog: string;
  readonly codecs: TopicCodecs;
  /** The partition count of a topic, for the co-partitioning check of writes. */
  readonly partitionsOf: (topic: string) => number | undefined;
  /** Where the warning about a key on a partition it does not hash to goes. */
  readonly log: Logger;
  readonly onRead?: () => void;
  readonly onWrite?: () => void;
  /** The table hooks (onKeySet, onKeyDel, onChangelogEvent); none when absent. */
  readonly hooks?: TableHooks;
}

export class TableRuntime {
  readonly name: string;
  readonly declaration: TableDeclaration;
  readonly changelog: string;
  readonly key: Codec<unknown>;
  readonly value: Codec<unknown>;
  /** Set at boot, once topic partition counts are known. */
  partitionCount = 0;
  /** The largest changelog record the broker accepts (set when a partition is recovered); no check until then. */
  maxRecordBytes: number | undefined;
  /** The partitions this worker holds as active (every partition for a global table). */
  readonly partitions = new Map<number, TablePartition>();
  readonly #options: TableRuntimeOptions;
  readonly #readChangelogKey: ChangelogKeyReader;
  /** Partitions already warned about (see #checkPlacement): one warning each. */
  readonly #warnedPartitions = new Set<number>();

  constructor(options: TableRuntimeOptions) {
    this.#options = options;
    this.declaration = options.declaration;
    this.name = options.declaration.name;
    this.changelog = options.changelog;
    this.key = options.codecs.key;
    this.value = options.codecs.value;
    this.#readChangelogKey = changelogKeyReader(this.key);
  }

  /**
   * Reads the keys of changelog records of `partition` in this table's encoding (old-encoded keys
   * re-encoded), warning once when a re-encoded key hashes to another partition now.
   */
  changelogKeys(partition: number): ChangelogKeyReader {
    return (record) => {
      const read = this.#readChangelogKey(record);
      if (read?.isReencoded === true) this.#checkPlacement(read.key, partition, undefined);
      return read;
    };
  }

  /**
   * Warns once per partition when `key` is on `partition` but hashes to another: GET
   * /tables/:t/keys/:k and routeBy look where it hashes, and miss it. `topic` is the event's, or
   * undefined for a key recovered from the old JSON key encoding.
   */
  #checkPlacement(key: Buffer, partition: number, topic: string | undefined): void {
    if (this.#warnedPartitions.has(partition) || this.partitionCount === 0) return;
    const keyPartition = partitionForKey(key, this.partitionCount);
    if (keyPartition === partition) return;
    this.#warnedPartitions.add(partition);
    const fields = { table: this.name, partition, keyPartition, key: key.subarray(0, 200).toString('utf8') };
    if (topic === undefined) {
      this.#options.log.warn(
        { ...fields, hint: 'it was written in the old JSON key encoding by a groupBy; to move such keys, reset the app state (bump version, or streamd reset --topics) and reprocess the input' },
        'recovered table key belongs to another partition under the new key encoding; queries by key will miss it and new events for it start from the default',
      );
      return;
    }
    this.#options.log.warn(
      {
        ...fields,
        topic,
        hint:
          `the producer of ${topic} does not partition by murmur2 over the key bytes, as Java's default partitioner (and kafkajs's default) does; ` +
          "set librdkafka's partitioner=murmur2_random (its default consistent_random uses crc32), or groupBy the key in the agent before writing the table",
      },
      'table key on a partition its key does not hash to: queries by key (GET /tables/:table/keys/:key, routeBy) look on the partition the key hashes to and will miss it',
    );
  }

  get isGlobal(): boolean {
    return this.declaration.isGlobal;
  }

  /** The value a missing key reads as: a fresh copy of the declared default. */
  defaultValue(): unknown {
    const value = this.declaration.defaultValue;
    return value !== null && typeof value === 'object' ? structuredClone(value) : value;
  }

  /** The changelog key-encoding header: the key codec, marked for windowed tables (window-key.ts). */
  get keyEncoding(): string {
    return this.declaration.window === undefined ? this.key.name : `windowed-${this.key.name}`;
  }

  /**
   * The partition a read or write of `key` (the table key's bytes) goes to: the event's, or for
   * global tables and reads outside an event, the key's. Throws when this worker does not hold it.
   */
  partitionFor(key: Buffer, event: Event | undefined, action: 'read' | 'write'): TablePartition {
    let partition: number;
    if (this.isGlobal || event === undefined) {
      if (!this.isGlobal && action === 'write') {
        throw new ConfigError(
          `table ${this.name}: a write outside an event (timer, task, view) has no partition to go to; write from an agent processing an event, or make the table global`,
        );
      }
      partition = partitionForKey(key, this.partitionCount);
    } else {
      const { topic } = event.message;
      const count = this.#options.partitionsOf(topic);
      if (count !== undefined && count !== this.partitionCount) {
        throw new ConfigError(
          `table ${this.name} has ${this.partitionCount} partitions but the event came from ${topic}, which has ${count}: ` +
            `a table must be co-partitioned with the stream that uses it — groupBy into a topic with ${this.partitionCount} partitions, or declare partitions: ${count} on the table`,
        );
      }
      partition = event.message.partition;
      if (action === 'write' && !this.#warnedPartitions.has(partition)) this.#checkPlacement(key, partition, topic);
    }
    const found = this.partitions.get(partition);
    if (found === undefined || !found.isAttached) {
      throw new TablePartitionError(
        event === undefined
          ? `table ${this.name}: the key is in partition ${partition}, which this worker does not hold; ask the worker that owns it`
          : `table ${this.name}: partition ${partition} is not held by this worker (a rebalance took it, or it is still recovering); the event will be processed again`,
      );
    }
    return found;
  }

  /** The decoded value under `key`, or undefined when there is none. */
  read(key: unknown, event: Event | undefined): Promise<unknown> {
    return this.#read(key, event, (value) => value);
  }

  /**
   * `read`, with `then` applied to the value: one promise per read, and no async layer when the
   * partition's memory holds the key (a store read is the only wait). Every failure (the key's
   * encoding, a partition not held here, the value's decoding) is a rejection, as from an async read.
   */
  #read<T>(key: unknown, event: Event | undefined, then: (value: unknown) => T): Promise<T> {
    try {
      const bytes = this.key.encode(key)!;
      const raw = this.partitionFor(bytes, event, 'read').lookup(bytes, event);
      if (raw instanceof Promise) {
        return raw.then((stored) => {
          this.#options.onRead?.();
          return then(this.#decodeStored(stored));
        });
      }
      this.#options.onRead?.();
      return Promise.resolve(then(this.#decodeStored(raw)));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #decodeStored(raw: Buffer | null | undefined): unknown {
    return raw === undefined || raw === null ? undefined : this.value.decode(raw);
  }

  /**
   * Encodes and buffers a write (`undefined` deletes). A write whose changelog record could not be
   * sent throws RecordTooLargeError here, in the handler, so it fails its own event (and goes
   * through the agent's policy, which decides when the event is acked: it is held until then)
   * instead of the commit that would carry it.
   */
  write(key: unknown, value: unknown, event: Event | undefined): void {
    const bytes = this.key.encode(key)!;
    const partition = this.partitionFor(bytes, event, 'write');
    const encoded = value === undefined ? null : this.value.encode(value);
    // A write the partition drops (a replayed or revoked event's) calls no hook.
    if (this.writeEncoded(partition, bytes, encoded, event)) this.#keyChanged(partition.partition, bytes, encoded);
  }

  /** Tells onKeySet (or onKeyDel, for a delete) of an accepted write, when the table names it. */
  #keyChanged(partition: number, key: Buffer, value: Buffer | null): void {
    const hooks = this.#options.hooks;
    const hook = value === null ? 'onKeyDel' : 'onKeySet';
    if (hooks?.has(this.name, hook) !== true) return;
    hooks.keyChanged(hook, this.#site(partition, key), () => ({ table: this.name, key: this.key.decode(key), value: this.#hookValue(value), partition }));
  }

  /**
   * Calls onChangelogEvent with each record of a changelog batch just applied to `partition`'s
   * store, in offset order; records whose key cannot be read were not applied and are skipped.
   */
  async changelogApplied(partition: number, batch: RecordBatch): Promise<void> {
    const hooks = this.#options.hooks;
    if (hooks?.has(this.name, 'onChangelogEvent') !== true) return;
    const keyOf = this.#readChangelogKey;
    for (const record of batch.records) {
      const key = keyOf(record)?.key;
      if (key === undefined) continue;
      await hooks.changelogApplied(this.#site(partition, key), () => ({
        table: this.name,
        key: this.key.decode(key),
        value: this.#hookValue(record.value),
        partition,
        offset: record.offset,
      }));
    }
  }

  #site(partition: number, key: Buffer): HookSite {
    return { table: this.name, partition, keyText: key.subarray(0, 200).toString('utf8') };
  }

  /** A stored value as a hook sees it: as a read returns it (a Set for a set table); null for none. */
  #hookValue(raw: Buffer | null): unknown {
    if (raw === null) return null;
    const value = this.value.decode(raw);
    return this.declaration.kind === 'set' ? new Set(value as unknown[]) : value;
  }

  /**
   * Buffers a write of encoded bytes under `storeKey` (a windowed table's carries the window) in
   * `partition`; false when the partition drops it (a replayed or revoked event's).
   */
  writeEncoded(partition: TablePartition, storeKey: Buffer, encoded: Buffer | null, event: Event | undefined): boolean {
    const limit = this.maxRecordBytes;
    if (limit !== undefined) {
      const size = recordBytes({ key: storeKey, value: encoded }) + POSITIONS_RESERVE_BYTES;
      if (size > limit) {
        event?.hold();
        throw new RecordTooLargeError(this.changelog, storeKey, size, limit, `a write to table ${this.name} (its changelog record, with room for the positions header)`);
      }
    }
    const isTaken = partition.put(storeKey, encoded, event);
    this.#options.onWrite?.();
    return isTaken;
  }

  /** Counts a read (windowed tables read through their own path). */
  countRead(): void {
    this.#options.onRead?.();
  }

  /** Every entry of the partitions held here, the write-back cache included. */
  async *entries(): AsyncGenerator<[unknown, unknown]> {
    for (const partition of [...this.partitions.values()].sort((a, b) => a.partition - b.partition)) {
      for await (const [key, value] of partition.entries()) yield [this.key.decode(key), this.value.decode(value)];
    }
  }

  /** The handle an actor's handler gets as `tables.<name>`. */
  handle(scope: HandleScope): Table | SetTable {
    return this.declaration.kind === 'set' ? this.#setHandle(scope) : this.#tableHandle(scope);
  }

  /** Throws (and tells the actor) when the scope may only read. */
  guard(scope: HandleScope): void {
    if (scope.readOnly === undefined) return;
    const error = new StreamdError(
      'STREAMD_TABLE_READ_ONLY',
      `agent ${scope.agent} writes table ${this.name}, but it runs with concurrency > 1, which processes events out of order: ` +
        'set concurrency: 1 on the agent (tables need one writer per partition), or only read the table from it',
    );
    scope.readOnly.onWrite(error);
    throw error;
  }

  #tableHandle(scope: HandleScope): Table {
    const get = (key: unknown): Promise<unknown> => this.#read(key, scope.currentEvent(), (value) => (value === undefined ? this.defaultValue() : value));
    return {
      name: this.name,
      get,
      has: (key) => this.#read(key, scope.currentEvent(), (value) => value !== undefined),
      set: (key, value) => {
        this.guard(scope);
        this.write(key, value, scope.currentEvent());
      },
      delete: (key) => {
        this.guard(scope);
        this.write(key, undefined, scope.currentEvent());
      },
      update: async (key, fn) => {
        this.guard(scope);
        const next = fn(await get(key));
        this.write(key, next, scope.currentEvent());
        return next;
      },
      entries: () => this.entries(),
    };
  }

  #setHandle(scope: HandleScope): SetTable {
    const get = async (key: unknown): Promise<Set<unknown>> => new Set((await this.read(key, scope.currentEvent())) as unknown[] | undefined);
    const change = async (key: unknown, apply: (set: Set<unknown>) => void): Promise<void> => {
      this.guard(scope);
      const set = await get(key);
      apply(set);
      this.write(key, set.size === 0 ? undefined : [...set], scope.currentEvent());
    };
    const entries = this.entries.bind(this);
    return {
      name: this.name,
      get,
      has: async (key) => (await this.read(key, scope.currentEvent())) !== undefined,
      add: (key, ...elements) => change(key, (set) => elements.forEach((e) => set.add(e))),
      discard: (key, ...elements) => change(key, (set) => elements.forEach((e) => set.delete(e))),
      clear: (key) => {
        this.guard(scope);
        this.write(key, undefined, scope.currentEvent());
      },
      async *entries() {
        for await (const [key, value] of entries()) yield [key, new Set(value as unknown[])];
      },
    };
  }
}
