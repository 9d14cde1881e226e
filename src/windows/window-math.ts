// Which windows contain a time, for each window type (pure). A window is `[start, end)` in epoch
// milliseconds. Used by the windowed tables (src/tables/windowed-*.ts) and by tests that compute truth.

import type { WindowShape } from '../manifest/index.js';

/** One window: `start` inclusive, `end` exclusive (sliding: the event's own `[t − before, t + after + 1)`). */
export interface WindowRange {
  readonly start: number;
  readonly end: number;
}

const floorTo = (time: number, step: number): number => Math.floor(time / step) * step;

/**
 * The windows an event at `time` writes, oldest first: one for tumbling, `size/step` for hopping,
 * the event's own for sliding (Faust's sliding window) and for session (`[time, time + gap)`,
 * before merging with the key's neighbouring sessions: see mergeSessions).
 */
export function windowsOf(shape: WindowShape, time: number): WindowRange[] {
  switch (shape.type) {
    case 'tumbling': {
      const start = floorTo(time, shape.sizeMs);
      return [{ start, end: start + shape.sizeMs }];
    }
    case 'hopping': {
      const out: WindowRange[] = [];
      for (let start = floorTo(time - shape.sizeMs, shape.stepMs) + shape.stepMs; start <= time; start += shape.stepMs) {
        if (start + shape.sizeMs > time) out.push({ start, end: start + shape.sizeMs });
      }
      return out;
    }
    case 'sliding':
      return [{ start: time - shape.beforeMs, end: time + shape.afterMs + 1 }];
    case 'session':
      return [{ start: time, end: time + shape.gapMs }];
  }
}

/** The latest window that contains `time` (Faust's `current`: for hopping, the one that started last). */
export function currentWindow(shape: WindowShape, time: number): WindowRange {
  return windowsOf(shape, time).at(-1)!;
}

/** Whether `window` contains `time`. */
export const contains = (window: WindowRange, time: number): boolean => window.start <= time && time < window.end;

/**
 * Session windows: the sessions of a key that an event's session `own` joins — those it overlaps
 * or touches (an event within `gap` of a session's events) — and the merged session. `sessions`
 * are the key's open sessions.
 */
export function mergeSessions(own: WindowRange, sessions: readonly WindowRange[]): { merged: WindowRange; absorbed: WindowRange[] } {
  const absorbed = sessions.filter((s) => s.start <= own.end && own.start <= s.end);
  const merged = absorbed.reduce((m, s) => ({ start: Math.min(m.start, s.start), end: Math.max(m.end, s.end) }), own);
  return { merged, absorbed };
}
