// The neutral outside view of a drain, shared by every drain benchmark: the group's committed
// offsets against the input's end offsets, polled. Never the framework's own counters.

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from '../src/kafka/index.js';

export interface DrainResult {
  /** From start until every partition's committed offset reached its end. */
  readonly drainSeconds: number;
  /** Records per second between 10% and 90% of the input committed. */
  readonly steadyRecordsPerSec: number;
}

/** Polls the group's committed offsets until they reach the topic's end offsets. */
export async function watchDrain(admin: Admin, group: string, topic: string, startedMs: number, timeoutMs: number): Promise<DrainResult> {
  const ends = await admin.offsets(topic);
  const total = ends.reduce((sum, p) => sum + Number(p.latest), 0);
  let at10: number | undefined;
  let at90: number | undefined;
  for (;;) {
    const committed = await admin.committedOffsets(group, [topic]);
    const done = committed.reduce((sum, c) => sum + Math.max(0, Number(c.offset)), 0);
    const now = performance.now();
    if (at10 === undefined && done >= total * 0.1) at10 = now;
    if (at90 === undefined && done >= total * 0.9) at90 = now;
    if (done >= total) {
      const steady = at10 !== undefined && at90 !== undefined && at90 > at10 ? (total * 0.8) / ((at90 - at10) / 1000) : total / ((now - startedMs) / 1000);
      return { drainSeconds: (now - startedMs) / 1000, steadyRecordsPerSec: steady };
    }
    if (now - startedMs > timeoutMs) throw new Error(`group ${group} committed ${done} of ${total} records in ${timeoutMs} ms`);
    await sleep(200);
  }
}
