// The sorted key-value structure behind MemoryStore: a Map for point reads, and a key array kept in
// byte order that is rebuilt lazily, by a merge, when a range is asked for.
//
// Keys are held as latin1 strings, one char per byte (0–255), so JavaScript's string order is exactly
// `Buffer.compare`'s byte order, at a tenth of its cost (no native call per comparison).

import type { KeyRange } from './types.js';

interface Entry {
  readonly key: Buffer;
  value: Buffer;
}

/** Keys and values in byte order of the keys. Stores the Buffers it is given: callers copy. */
export class SortedEntries {
  /** Keyed by `key.toString('latin1')`, which maps each byte sequence to a distinct string. */
  #entries = new Map<string, Entry>();
  /** Sorted key ids; may still hold keys deleted since the last merge. */
  #sorted: string[] = [];
  /** Key ids added since the last merge, unsorted; may repeat a key deleted and put again. */
  #added: string[] = [];
  #hasDeletes = false;
  #byteSize = 0;

  get size(): number {
    return this.#entries.size;
  }

  /** Bytes of keys plus values held. */
  get byteSize(): number {
    return this.#byteSize;
  }

  get(key: Buffer): Buffer | undefined {
    return this.#entries.get(key.toString('latin1'))?.value;
  }

  set(key: Buffer, value: Buffer): void {
    const id = key.toString('latin1');
    const entry = this.#entries.get(id);
    if (entry !== undefined) {
      this.#byteSize += value.length - entry.value.length;
      entry.value = value;
      return;
    }
    this.#entries.set(id, { key, value });
    this.#added.push(id);
    this.#byteSize += key.length + value.length;
  }

  delete(key: Buffer): void {
    const id = key.toString('latin1');
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    this.#entries.delete(id);
    this.#hasDeletes = true;
    this.#byteSize -= entry.key.length + entry.value.length;
  }

  clear(): void {
    this.#entries.clear();
    this.#sorted = [];
    this.#added = [];
    this.#hasDeletes = false;
    this.#byteSize = 0;
  }

  /**
   * The entries of `range` as they are now (later writes do not show), in key order or reversed.
   * The range must be checked (`checkKeyRange`) and not empty.
   */
  snapshot(range: KeyRange): [Buffer, Buffer][] {
    const keys = this.#sortedIds();
    const start = range.gte === undefined ? 0 : lowerBound(keys, range.gte.toString('latin1'));
    const end = range.lt === undefined ? keys.length : lowerBound(keys, range.lt.toString('latin1'));
    const limit = range.limit ?? Infinity;
    const out: [Buffer, Buffer][] = [];
    const step = range.reverse === true ? -1 : 1;
    for (let i = step > 0 ? start : end - 1; i >= start && i < end && out.length < limit; i += step) {
      const entry = this.#entries.get(keys[i] as string) as Entry;
      out.push([entry.key, entry.value]);
    }
    return out;
  }

  /** The sorted live key ids, merging in the keys added and dropping the keys deleted since last time. */
  #sortedIds(): string[] {
    if (this.#added.length === 0 && !this.#hasDeletes) return this.#sorted;
    const added = this.#added.sort();
    const old = this.#sorted;
    const merged: string[] = [];
    let i = 0;
    let j = 0;
    while (i < old.length || j < added.length) {
      const takeOld = j >= added.length || (i < old.length && (old[i] as string) <= (added[j] as string));
      const id = (takeOld ? old[i++] : added[j++]) as string;
      if (id === merged[merged.length - 1]) continue;
      if (this.#entries.has(id)) merged.push(id);
    }
    this.#sorted = merged;
    this.#added = [];
    this.#hasDeletes = false;
    return merged;
  }
}

/** The index of the first id at or above `id`. */
function lowerBound(ids: readonly string[], id: string): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((ids[mid] as string) < id) low = mid + 1;
    else high = mid;
  }
  return low;
}
