// B3, windowed: B2's count per key per tumbling minute (bench/apps/windowed) over B2's preloaded
// input, measured from outside like B2 (drain-watch.ts); the windows' counts must sum to the input.

import type { Agent } from '../src/agents/index.js';
import type { Admin } from '../src/kafka/index.js';
import { openStore } from '../src/stores/index.js';
import { parseWindowKey } from '../src/windows/window-key.js';
import { tableStorePath } from '../src/worker/index.js';
import { b3 } from './apps/windowed/handlers.js';
import type { DrainResult } from './drain-watch.js';
import { drainBenchApp } from './stateful.js';

export interface WindowedResult extends DrainResult {
  readonly windows: number;
  /** Empty when the windows' counts sum to the input. */
  readonly mismatches: readonly string[];
}

/** streamd's worker running bench/apps/windowed on B2's keyed input, with a fresh datadir. */
export async function streamdWindowed(bootstrap: string, admin: Admin, appId: string, records: number): Promise<WindowedResult> {
  return drainBenchApp({ app: 'windowed', bootstrap, admin, appId, handlers: new Map([['b3', b3 as Agent]]) }, async (manifest, drain) => {
    let windows = 0;
    let sum = 0;
    for (let partition = 0; partition < 4; partition++) {
      const store = await openStore('rocksdb://', { path: tableStorePath(manifest, 'counts', partition) });
      try {
        for await (const [key, value] of store.iterate()) {
          if (parseWindowKey(key) === undefined) continue;
          windows++;
          sum += JSON.parse(value.toString()) as number;
        }
      } finally {
        await store.close();
      }
    }
    return { ...drain, windows, mismatches: sum === records ? [] : [`the windows' counts sum to ${sum}, expected ${records}`] };
  });
}
