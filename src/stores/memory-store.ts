// The `memory://` store: the Store contract in process memory, for the embedded default and tests.
// Nothing survives `close()`, so recovery always replays the whole changelog (as Faust's memory store).

import { setImmediate } from 'node:timers/promises';
import { IllegalStateError } from '../errors/index.js';
import { checkKeyRange, checkOffset, isEmptyKeyRange } from './store-checks.js';
import { SortedEntries } from './sorted-entries.js';
import type { KeyRange, Store, StoreWriteBatch } from './types.js';

/**
 * Entries a memory iteration yields between two turns of the event loop. Too low: scans slow down
 * on scheduling; too high: a scan of a large table holds up timers and sockets for that long.
 */
const ENTRIES_PER_TURN = 1024;

/** A Store held in a sorted in-memory structure. Copies every Buffer in and out, as RocksDB does. */
export class MemoryStore implements Store {
  readonly path: string;
  readonly #entries = new SortedEntries();
  #offset: bigint | undefined;
  #meta: Buffer | undefined;
  #isClosed = false;
  #closing: Promise<void> | undefined;
  #destroying: Promise<void> | undefined;

  /** `path` only names the store in errors; nothing is written there. */
  constructor(path: string) {
    this.path = path;
  }

  get(key: Buffer): Promise<Buffer | undefined> {
    return this.#run('get', () => copy(this.#entries.get(key)));
  }

  getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    return this.#run('getMany', () => keys.map((key) => copy(this.#entries.get(key))));
  }

  write(batch: StoreWriteBatch): Promise<void> {
    return this.#run('write', () => {
      if (batch.offset !== undefined) checkOffset(batch.offset);
      for (const [key, value] of batch.puts) this.#entries.set(Buffer.from(key), Buffer.from(value));
      for (const key of batch.deletes) this.#entries.delete(key);
      if (batch.offset !== undefined) this.#offset = batch.offset;
      if (batch.meta !== undefined) this.#meta = Buffer.from(batch.meta);
    });
  }

  offset(): Promise<bigint | undefined> {
    return this.#run('offset', () => this.#offset);
  }

  meta(): Promise<Buffer | undefined> {
    return this.#run('meta', () => copy(this.#meta));
  }

  /** Yields to the event loop every `ENTRIES_PER_TURN` entries, so a long scan starves no I/O. */
  async *iterate(range: KeyRange = {}): AsyncGenerator<[Buffer, Buffer]> {
    this.#assertOpen('iterate');
    checkKeyRange(range);
    if (isEmptyKeyRange(range)) return;
    let sinceTurn = 0;
    for (const [key, value] of this.#entries.snapshot(range)) {
      if (++sinceTurn === ENTRIES_PER_TURN) {
        sinceTurn = 0;
        await setImmediate();
      }
      this.#assertOpen('iterate');
      yield [Buffer.from(key), Buffer.from(value)];
    }
  }

  approximateSize(): Promise<number> {
    return this.#run('approximateSize', () => this.#entries.byteSize);
  }

  close(): Promise<void> {
    this.#isClosed = true;
    this.#closing ??= Promise.resolve();
    return this.#closing;
  }

  destroy(): Promise<void> {
    this.#destroying ??= this.close().then(() => {
      this.#entries.clear();
      this.#offset = undefined;
      this.#meta = undefined;
    });
    return this.#destroying;
  }

  /** Runs `operation` if the store is open; a throw becomes a rejection, as with RocksDB. */
  #run<T>(operation: string, body: () => T): Promise<T> {
    return new Promise((resolve) => {
      this.#assertOpen(operation);
      resolve(body());
    });
  }

  #assertOpen(operation: string): void {
    if (this.#isClosed) throw new IllegalStateError(`store ${this.path}: ${operation} after close()`);
  }
}

function copy(value: Buffer | undefined): Buffer | undefined {
  return value === undefined ? undefined : Buffer.from(value);
}
