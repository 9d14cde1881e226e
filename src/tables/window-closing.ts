// Closing and expiry of a windowed table's windows, run by the Tables service's loops. A partition
// closes its windows when its stream time passes end + grace, or — when it has seen no event for
// idleClose — when the wall clock passes end + grace + idleClose, so a quiet key's last window
// closes too. Each closed window with a value goes to onWindowClose and then, in one synchronous
// step, (emit: final) to the sink and the partition's clock entry is written, so the next commit
// carries the close: the sink records are flushed by that commit's step 1, before the changelog. A
// crash before that commit repeats the close after the restart (at-least-once); a graceful stop
// stops closing before its last commit (Tables.stopClosing), so nothing repeats.

import type { ClosedWindow } from './types.js';
import type { WindowedRuntime } from './windowed-runtime.js';
import { CLOCK_KEY, parseWindowKey } from '../windows/window-key.js';

export interface ClosingHooks {
  /** Calls the table's onWindowClose handler, if any; a failure is the hook's to report. */
  readonly onWindowClose: (table: string, closed: ClosedWindow) => Promise<void>;
  readonly onClosed: (table: string, count: number) => void;
  /** Whether the input of a partition is consumed to its end (no backlog): only then can it be idle. */
  readonly isCaughtUp: (partition: number) => boolean;
}

/** Closes what is due in every attached partition of `runtime` at wall clock `nowMs`. */
export async function closeDueWindows(runtime: WindowedRuntime, nowMs: number, hooks: ClosingHooks): Promise<void> {
  const { table, window } = runtime;
  for (const [partition, clock] of runtime.clocks) {
    if (!partition.isAttached) {
      runtime.clocks.delete(partition);
      continue;
    }
    const isIdle = nowMs - clock.lastActivityMs >= window.idleCloseMs && hooks.isCaughtUp(partition.partition);
    const idleThreshold = isIdle ? nowMs - window.idleCloseMs : Number.NEGATIVE_INFINITY;
    const due = clock.close(Math.max(clock.streamTime, idleThreshold), window.graceMs, idleThreshold > clock.streamTime);
    const closed: { keyBytes: Buffer; window: ClosedWindow }[] = [];
    for (const open of due) {
      const raw = await partition.peek(open.storeKey);
      if (raw === undefined || raw === null) continue;
      closed.push({ keyBytes: open.key, window: { table: table.name, key: table.key.decode(open.key), start: open.window.start, end: open.window.end, value: table.value.decode(raw) } });
    }
    for (const { window: closedWindow } of closed) await hooks.onWindowClose(table.name, closedWindow);
    // A partition revoked meanwhile keeps no close: its next owner closes these windows again.
    if (!partition.isAttached) continue;
    for (const { keyBytes, window: closedWindow } of closed) {
      if (window.sink !== undefined && window.emit === 'final') runtime.send(runtime.sinkRecord(keyBytes, closedWindow, true));
    }
    if (closed.length > 0) hooks.onClosed(table.name, closed.length);
    if (clock.isDirty) {
      clock.isDirty = false;
      partition.put(CLOCK_KEY, clock.encode(), undefined);
    }
  }
}

/**
 * Deletes (store and changelog tombstone) every closed window of `runtime` whose end + grace +
 * expires has passed its partition's closed-through mark. Returns how many were deleted.
 */
export async function expireWindows(runtime: WindowedRuntime): Promise<number> {
  const { table, window } = runtime;
  if (window.expiresMs === undefined) return 0;
  let deleted = 0;
  for (const [partition, clock] of runtime.clocks) {
    if (!partition.isAttached) continue;
    const expired: Buffer[] = [];
    for await (const [storeKey] of partition.entries()) {
      const parsed = parseWindowKey(storeKey);
      if (parsed !== undefined && parsed.window.end + window.graceMs + window.expiresMs <= clock.closedThrough) expired.push(Buffer.from(storeKey));
    }
    for (const storeKey of expired) table.writeEncoded(partition, storeKey, null, undefined);
    deleted += expired.length;
  }
  return deleted;
}
