// How much garbage streamd's JavaScript heap may gather before a full collection
// (settings.heapHeadroomBytes). A worker's records outlive the young generation while they wait in the
// stream buffers, so they are promoted and die in the old generation; V8's own growing factor (up to
// 4× the live heap) then lets that garbage make up most of a busy worker's peak RSS. A fixed factor
// would cost CPU on a small heap (a full collection every few MB promoted), so the factor follows the
// live heap: after each full collection, V8's --heap-growing-percent is set to headroom / live, within
// [MIN_PERCENT, MAX_PERCENT]. V8 reads the flag whenever a full collection sets the next limit, so
// setting it at run time takes effect from the next cycle on.

import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import type { Logger } from 'pino';

const FLAG = '--heap-growing-percent';
/** Below this a full collection follows every few MB of promotion, whatever the headroom. */
export const MIN_PERCENT = 25;
/** V8's own largest factor (4×): a heap this small keeps V8's behaviour. */
export const MAX_PERCENT = 300;

/** The growing percent that lets the old generation gather about `headroomBytes` past `liveBytes`. */
export function growingPercentFor(headroomBytes: number, liveBytes: number): number {
  const percent = Math.round((headroomBytes * 100) / Math.max(liveBytes, 1));
  return Math.min(MAX_PERCENT, Math.max(MIN_PERCENT, percent));
}

/**
 * Keeps V8's heap growing percent at headroom / live heap, re-read after every full collection, until
 * the returned stop() is called. Does nothing when `headroomBytes` is 0 (V8's own factor) or the node
 * command line (`execArgv`, where V8 takes `_` for `-`) sets the flag itself.
 */
export function keepHeapHeadroom(headroomBytes: number, log: Logger, execArgv: readonly string[] = process.execArgv): { stop(): void } {
  const given = execArgv.find((arg) => `--${arg.split('=')[0]!.replace(/^--/, '').replaceAll('_', '-')}` === FLAG);
  if (given !== undefined) {
    log.info({ flag: given }, 'the heap growing percent is set on the node command line; settings.heapHeadroomBytes is left unused');
    return { stop: () => undefined };
  }
  if (headroomBytes === 0) return { stop: () => undefined };
  let current = 0;
  const follow = (): void => {
    const percent = growingPercentFor(headroomBytes, getHeapStatistics().used_heap_size);
    if (percent === current) return;
    current = percent;
    setFlagsFromString(`${FLAG}=${percent}`);
  };
  follow();
  const observer = new PerformanceObserver((list) => {
    const entries = list.getEntries() as (PerformanceEntry & { readonly detail?: { readonly kind?: number } })[];
    if (entries.some((entry) => entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) follow();
  });
  observer.observe({ entryTypes: ['gc'] });
  log.debug({ heapHeadroomBytes: headroomBytes }, 'V8 collects the old generation once it holds about this much garbage');
  return { stop: () => observer.disconnect() };
}
