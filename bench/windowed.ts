// B3, windowed: B2's count per key per tumbling minute (bench/apps/windowed) over B2's preloaded
// input, measured from outside like B2 (drain-watch.ts); the windows' counts must sum to the input.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import type { Admin } from '../src/kafka/index.js';
import { loadManifest } from '../src/manifest/index.js';
import { openStore } from '../src/stores/index.js';
import { parseWindowKey } from '../src/windows/window-key.js';
import { createWorker, tableStorePath } from '../src/worker/index.js';
import { repoPath } from '../test/kafka/repo-root.js';
import { b3 } from './apps/windowed/handlers.js';
import { watchDrain, type DrainResult } from './drain-watch.js';
import { STATEFUL_TOPIC } from './stateful.js';

export interface WindowedResult extends DrainResult {
  readonly windows: number;
  /** Empty when the windows' counts sum to the input. */
  readonly mismatches: readonly string[];
}

/** streamd's worker running bench/apps/windowed on B2's keyed input, with a fresh datadir. */
export async function streamdWindowed(bootstrap: string, admin: Admin, appId: string, records: number): Promise<WindowedResult> {
  const datadir = await mkdtemp(join(tmpdir(), 'streamd-bench-windowed-'));
  try {
    const manifest = await loadManifest(repoPath('bench', 'apps', 'windowed', 'app.yaml'), {
      env: { STREAMD_BROKER: `kafka://${bootstrap}`, BENCH_APP_ID: appId, BENCH_DATADIR: datadir },
    });
    const worker = await createWorker(manifest, { logger: pino({ level: 'warn' }), handlers: new Map([['b3', b3]]) });
    const started = performance.now();
    await worker.start();
    let drain: DrainResult;
    try {
      drain = await watchDrain(admin, appId, STATEFUL_TOPIC, started, 600_000);
    } finally {
      await worker.stop();
    }
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
  } finally {
    await rm(datadir, { recursive: true, force: true });
  }
}
