// One windowed table partition's clock: its stream time (the highest event time seen), how far its
// windows are closed, when it last saw an event, and the windows still open (rebuilt from the store
// when the partition is attached, so a restart loses no close). The stream time and closed-through
// mark are a reserved table entry (window-key.ts CLOCK_KEY): changelogged, recovered and replicated
// to standbys with the windows, so a window closed before a commit is not closed again after it.

import { parseWindowKey } from '../windows/window-key.js';
import type { WindowRange } from '../windows/window-math.js';

export interface OpenWindow {
  readonly key: Buffer;
  readonly storeKey: Buffer;
  readonly window: WindowRange;
}

const id = (bytes: Buffer): string => bytes.toString('latin1');

export class WindowClock {
  /** The highest event time seen (−∞ before the first). */
  streamTime = Number.NEGATIVE_INFINITY;
  /** Windows whose end + grace is at or below this are closed. */
  closedThrough = Number.NEGATIVE_INFINITY;
  /** Wall clock of the last event (or of the attach). */
  lastActivityMs: number;
  /** Whether the stream time or closed-through moved since the clock entry was last written. */
  isDirty = false;
  /** Open windows by table key, then by store key. */
  readonly #open = new Map<string, Map<string, OpenWindow>>();
  /** The least end among open windows (a lower bound: it may be stale low after a close). */
  #minEnd = Number.POSITIVE_INFINITY;

  constructor(nowMs: number) {
    this.lastActivityMs = nowMs;
  }

  /** Restores the stream time and closed-through mark from the clock entry's bytes. */
  restore(bytes: Buffer | null | undefined): void {
    if (bytes === null || bytes === undefined) return;
    const saved = JSON.parse(bytes.toString('utf8')) as { streamTime: number | null; closedThrough: number | null };
    this.streamTime = Math.max(this.streamTime, saved.streamTime ?? Number.NEGATIVE_INFINITY);
    this.closedThrough = Math.max(this.closedThrough, saved.closedThrough ?? Number.NEGATIVE_INFINITY);
  }

  encode(): Buffer {
    const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);
    return Buffer.from(JSON.stringify({ streamTime: finite(this.streamTime), closedThrough: finite(this.closedThrough) }));
  }

  /** Notes an event at `time`, seen at wall clock `nowMs`. */
  observe(time: number, nowMs: number): void {
    this.lastActivityMs = nowMs;
    if (time > this.streamTime) {
      this.streamTime = time;
      this.isDirty = true;
    }
  }

  /** Whether a window is closed (takes no more events) with grace `graceMs`. */
  isClosed(window: WindowRange, graceMs: number): boolean {
    return window.end + graceMs <= Math.max(this.streamTime, this.closedThrough);
  }

  /**
   * Notes a store entry as an open window; entries of another layout (the clock's) are ignored. The
   * key is copied: a store iterator may reuse the memory of the keys it hands out.
   */
  trackStored(storeKey: Buffer): void {
    const parsed = parseWindowKey(storeKey);
    if (parsed !== undefined) this.track({ key: Buffer.from(parsed.key), storeKey: Buffer.from(storeKey), window: parsed.window });
  }

  track(open: OpenWindow): void {
    const k = id(open.key);
    let windows = this.#open.get(k);
    if (windows === undefined) this.#open.set(k, (windows = new Map<string, OpenWindow>()));
    windows.set(id(open.storeKey), open);
    if (open.window.end < this.#minEnd) this.#minEnd = open.window.end;
  }

  untrack(open: OpenWindow): void {
    const k = id(open.key);
    const windows = this.#open.get(k);
    windows?.delete(id(open.storeKey));
    if (windows?.size === 0) this.#open.delete(k);
  }

  /** The open windows of a table key. */
  openOf(key: Buffer): OpenWindow[] {
    return [...(this.#open.get(id(key))?.values() ?? [])];
  }

  get openCount(): number {
    let n = 0;
    for (const windows of this.#open.values()) n += windows.size;
    return n;
  }

  /**
   * Closes every open window whose end + grace is at or below `threshold` and returns them
   * (untracked), in end order. The stream time closes everything below it; an idle close
   * (`isIdle`) moves closedThrough only as far as the windows it closes, so a partition that stays
   * quiet does not rewrite its clock entry every tick, and a window never written stays open to
   * an event that comes after the quiet spell.
   */
  close(threshold: number, graceMs: number, isIdle = false): OpenWindow[] {
    if (threshold <= this.closedThrough) return [];
    const due: OpenWindow[] = [];
    if (this.#minEnd + graceMs <= threshold) {
      let minEnd = Number.POSITIVE_INFINITY;
      for (const windows of this.#open.values()) {
        for (const open of windows.values()) {
          if (open.window.end + graceMs <= threshold) due.push(open);
          else if (open.window.end < minEnd) minEnd = open.window.end;
        }
      }
      for (const open of due) this.untrack(open);
      this.#minEnd = minEnd;
    }
    const reached = isIdle ? due.reduce((max, open) => Math.max(max, open.window.end + graceMs), this.streamTime) : threshold;
    if (reached > this.closedThrough) {
      this.closedThrough = reached;
      this.isDirty = true;
    }
    return due.sort((a, b) => a.window.end - b.window.end || a.window.start - b.window.start);
  }
}
