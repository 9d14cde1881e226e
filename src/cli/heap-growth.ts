// How far V8 lets streamd's JavaScript heap grow before a full collection (settings.heapGrowingPercent).
// A worker's records outlive the young generation while they wait in the stream buffers, so they are
// promoted and die in the old generation; V8's own growing factor (up to 4× the live heap) then lets
// that garbage make up most of the peak RSS. `streamd start` sets the flag for its own process; V8
// reads it at every full collection, so setting it after start-up takes effect.

import { setFlagsFromString } from 'node:v8';
import type { Logger } from 'pino';

const FLAG = '--heap-growing-percent';

/**
 * Sets V8's heap growing percent to `percent` unless it is 0 (V8's own factor) or the node command
 * line (`execArgv`, where V8 takes `_` for `-`) already sets it.
 */
export function applyHeapGrowingPercent(percent: number, log: Logger, execArgv: readonly string[] = process.execArgv): void {
  const given = execArgv.find((arg) => `--${arg.split('=')[0]!.replace(/^--/, '').replaceAll('_', '-')}` === FLAG);
  if (given !== undefined) {
    log.info({ flag: given }, 'the heap growing percent is set on the node command line; settings.heapGrowingPercent is left unused');
    return;
  }
  if (percent === 0) return;
  setFlagsFromString(`${FLAG}=${percent}`);
  log.debug({ heapGrowingPercent: percent }, 'V8 collects the old generation once it grows this far past the live heap');
}
