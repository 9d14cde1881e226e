// A windowed table on this worker (README "Windowed tables"): the plain TableRuntime stores every
// (key, window) as one entry whose key carries the window (window-key.ts), so the write-back cache,
// changelog, recovery, standbys and positions are the plain table's. This adds event time, the
// per-partition window clocks (window-clock.ts), late events, and the handle handlers get. Closing
// and expiry are in window-closing.ts.

import type { Logger } from 'pino';
import { StreamdError } from '../errors/index.js';
import type { ProducerRecord } from '../kafka/index.js';
import type { WindowDeclaration } from '../manifest/index.js';
import type { Clock } from '../service/index.js';
import type { Event } from '../streams/index.js';
import { CLOCK_KEY, keyRange, parseWindowKey, windowKey } from '../windows/window-key.js';
import { contains, mergeSessions, windowsOf, type WindowRange } from '../windows/window-math.js';
import { WindowClock, type OpenWindow } from './window-clock.js';
import type { TablePartition } from './table-partition.js';
import type { HandleScope, TableRuntime } from './table-runtime.js';
import type { WindowValue, WindowedTable } from './types.js';

export interface WindowedRuntimeOptions {
  readonly table: TableRuntime;
  readonly window: WindowDeclaration;
  readonly clock: Clock;
  readonly log: Logger;
  /** Sends a record through the buffered producer (flushed by step 1 of each commit). */
  readonly send: (record: ProducerRecord) => void;
  readonly onLate: () => void;
}

type Merge = (a: unknown, b: unknown) => unknown;

function defaultMerge(table: string): Merge {
  return (a, b) => {
    if (typeof a === 'number' && typeof b === 'number') return a + b;
    if (Array.isArray(a) && Array.isArray(b)) return [...(a as unknown[]), ...(b as unknown[])];
    throw new StreamdError('STREAMD_SESSION_MERGE', `table ${table}: two sessions merged, and their values are neither numbers nor arrays; pass update(key, fn, { merge: (a, b) => … })`);
  };
}

/** A time read from an event field: epoch ms, or an ISO-8601 string. */
function fieldTime(value: unknown, path: readonly string[], table: string): number {
  let at: unknown = value;
  for (const field of path) at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[field] : undefined;
  const time = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : Number.NaN;
  if (!Number.isFinite(time)) {
    throw new StreamdError('STREAMD_WINDOW_TIME', `table ${table}: the event's ${path.join('.')} is ${JSON.stringify(at)}, not epoch milliseconds or an ISO-8601 time`);
  }
  return time;
}

export class WindowedRuntime {
  readonly table: TableRuntime;
  readonly window: WindowDeclaration;
  readonly #options: WindowedRuntimeOptions;
  /** The clock of each attached partition (replaced when the partition is attached again). */
  readonly clocks = new Map<TablePartition, WindowClock>();

  constructor(options: WindowedRuntimeOptions) {
    this.#options = options;
    this.table = options.table;
    this.window = options.window;
  }

  /** Sends a window record (see sinkRecord) through the buffered producer. */
  send(record: ProducerRecord): void {
    this.#options.send(record);
  }

  /** Builds a partition's clock from its store: the saved clock entry, and every window still open. */
  async attach(partition: TablePartition): Promise<void> {
    const clock = new WindowClock(this.#options.clock.now());
    clock.restore(await partition.get(CLOCK_KEY, undefined));
    for await (const [storeKey] of partition.entries()) {
      const parsed = parseWindowKey(storeKey);
      if (parsed !== undefined && !clock.isClosed(parsed.window, this.window.graceMs)) clock.trackStored(storeKey);
    }
    for (const old of this.clocks.keys()) if (old.partition === partition.partition) this.clocks.delete(old);
    this.clocks.set(partition, clock);
  }

  /** The time an event counts at (the table's relativeTo). */
  timeOf(event: Event | undefined): number {
    const time = this.window.relativeTo;
    if (event === undefined || time.kind === 'now') return this.#options.clock.now();
    return time.kind === 'stream' ? event.message.timestamp : fieldTime(event.value, time.path, this.table.name);
  }

  #clockOf(partition: TablePartition): WindowClock {
    let clock = this.clocks.get(partition);
    if (clock === undefined) this.clocks.set(partition, (clock = new WindowClock(this.#options.clock.now())));
    return clock;
  }

  async #valueAt(partition: TablePartition, storeKey: Buffer, event: Event | undefined): Promise<unknown> {
    const raw = await partition.get(storeKey, event);
    return raw === undefined || raw === null ? undefined : this.table.value.decode(raw);
  }

  /** Applies `fn` in every open window of the event's time; see WindowedTable.update. */
  async update(key: unknown, fn: (current: unknown) => unknown, event: Event | undefined, merge?: Merge): Promise<void> {
    const keyBytes = this.table.key.encode(key)!;
    const partition = this.table.partitionFor(keyBytes, event, 'write');
    const clock = this.#clockOf(partition);
    const time = this.timeOf(event);
    clock.observe(time, this.#options.clock.now());
    // A replayed event the table already holds (or one of a revoked assignment) changes nothing, not even the open windows.
    if (!partition.takesWritesOf(event)) return;
    const { graceMs } = this.window;
    const windows = windowsOf(this.window, time);
    const open = windows.filter((w) => !clock.isClosed(w, graceMs));
    if (open.length < windows.length) {
      this.#options.onLate();
      this.#options.log.debug({ table: this.table.name, key, time, streamTime: clock.streamTime, closedThrough: clock.closedThrough, windows: windows.length, closed: windows.length - open.length }, 'late event: its windows are closed; not applied to them');
    }
    if (this.window.type === 'session') {
      if (open.length > 0) await this.#updateSession(partition, clock, keyBytes, key, open[0]!, fn, event, merge ?? defaultMerge(this.table.name));
      return;
    }
    for (const window of open) {
      const storeKey = windowKey(keyBytes, window);
      const current = (await this.#valueAt(partition, storeKey, event)) ?? this.table.defaultValue();
      this.#write(partition, clock, { key: keyBytes, storeKey, window }, key, fn(current), event);
    }
  }

  async #updateSession(partition: TablePartition, clock: WindowClock, keyBytes: Buffer, key: unknown, own: WindowRange, fn: (current: unknown) => unknown, event: Event | undefined, merge: Merge): Promise<void> {
    const sessions = clock.openOf(keyBytes);
    const { merged, absorbed } = mergeSessions(own, sessions.map((s) => s.window));
    let value: unknown;
    for (const session of sessions.filter((s) => absorbed.includes(s.window)).sort((a, b) => a.window.start - b.window.start)) {
      const stored = await this.#valueAt(partition, session.storeKey, event);
      if (stored !== undefined) value = value === undefined ? stored : merge(value, stored);
      clock.untrack(session);
      const isKept = session.window.start === merged.start && session.window.end === merged.end;
      if (!isKept) this.table.writeEncoded(partition, session.storeKey, null, event);
    }
    this.#write(partition, clock, { key: keyBytes, storeKey: windowKey(keyBytes, merged), window: merged }, key, fn(value ?? this.table.defaultValue()), event);
  }

  #write(partition: TablePartition, clock: WindowClock, open: OpenWindow, key: unknown, value: unknown, event: Event | undefined): void {
    const encoded = value === undefined ? null : this.table.value.encode(value);
    this.table.writeEncoded(partition, open.storeKey, encoded, event);
    clock.track(open);
    if (this.window.emit === 'update' && this.window.sink !== undefined) {
      this.#options.send(this.sinkRecord(open.key, { table: this.table.name, key, start: open.window.start, end: open.window.end, value }, false));
    }
  }

  /** The record `emit` sends for a window: the table key, and the window with its value as JSON. */
  sinkRecord(keyBytes: Buffer, window: { table: string; key: unknown; start: number; end: number; value: unknown }, isClosed: boolean): ProducerRecord {
    return { topic: this.window.sink!, key: keyBytes, value: Buffer.from(JSON.stringify({ ...window, closed: isClosed })), timestamp: Math.min(window.end, 8_640_000_000_000_000) };
  }

  /** The key's windows overlapping `[from, to]`, oldest first, read where `event` reads (or at the key's partition). */
  async windows(key: unknown, event: Event | undefined, from = Number.NEGATIVE_INFINITY, to = Number.POSITIVE_INFINITY): Promise<WindowValue[]> {
    const keyBytes = this.table.key.encode(key)!;
    const partition = this.table.partitionFor(keyBytes, event, 'read');
    this.table.countRead();
    const clock = this.clocks.get(partition);
    const range = keyRange(keyBytes);
    const out: WindowValue[] = [];
    for await (const [storeKey, raw] of partition.entries(range.gte, range.lt)) {
      const window = parseWindowKey(storeKey)?.window;
      if (window === undefined || window.end <= from || window.start > to) continue;
      out.push({ ...window, value: this.table.value.decode(raw), closed: clock?.isClosed(window, this.window.graceMs) ?? false });
    }
    return out;
  }

  /** The value in the latest-started window containing `time`; the default when there is none. */
  async at(key: unknown, time: number, event: Event | undefined): Promise<unknown> {
    if (this.window.type === 'tumbling' || this.window.type === 'hopping') {
      const keyBytes = this.table.key.encode(key)!;
      const partition = this.table.partitionFor(keyBytes, event, 'read');
      this.table.countRead();
      const window = windowsOf(this.window, time).at(-1)!;
      return (await this.#valueAt(partition, windowKey(keyBytes, window), event)) ?? this.table.defaultValue();
    }
    const containing = (await this.windows(key, event, time, time)).filter((w) => contains(w, time));
    return containing.at(-1)?.value ?? this.table.defaultValue();
  }

  /** The handle an actor's handler gets as `tables.<name>`. */
  handle(scope: HandleScope): WindowedTable {
    const eventTime = (): number => this.timeOf(scope.currentEvent());
    return {
      name: this.table.name,
      update: async (key, fn, options) => {
        this.table.guard(scope);
        await this.update(key, fn, scope.currentEvent(), options?.merge);
      },
      set: async (key, value) => {
        this.table.guard(scope);
        await this.update(key, () => value, scope.currentEvent(), () => value);
      },
      current: (key) => this.at(key, eventTime(), scope.currentEvent()),
      now: (key) => this.at(key, this.#options.clock.now(), scope.currentEvent()),
      delta: (key, durationMs) => this.at(key, eventTime() - durationMs, scope.currentEvent()),
      at: (key, time) => this.at(key, time, scope.currentEvent()),
      windows: (key, from, to) => this.windows(key, scope.currentEvent(), from, to),
    };
  }
}
