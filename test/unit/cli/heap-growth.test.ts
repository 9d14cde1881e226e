// settings.heapHeadroomBytes: `streamd start` keeps V8's heap growing percent at headroom / live heap,
// and V8 collects the old generation sooner. Shown in a child process (the flag is process-wide) that
// keeps records alive for a while, as stream buffers do, so they are promoted and die in the old
// generation: with a headroom the old generation peaks well below V8's own growth. A small live heap
// keeps V8's own factor, a large one gets a low one; a --heap-growing-percent on the node command
// line wins over the setting.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { MAX_PERCENT, MIN_PERCENT, growingPercentFor, keepHeapHeadroom } from '../../../src/cli/heap-growth.js';
import { captureLogger } from '../stores/fixture.js';

const MODULE = new URL('../../../src/cli/heap-growth.js', import.meta.url).href;
const MiB = 2 ** 20;

/** Peak bytes of the old generation while 3M records churn through a window of 200k, with `headroom` kept. */
async function peakOldSpace(headroom: number): Promise<number> {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { setImmediate as turn } from 'node:timers/promises';
    import { pino } from 'pino';
    import { keepHeapHeadroom } from ${JSON.stringify(MODULE)};
    const kept = keepHeapHeadroom(${headroom}, pino({ level: 'silent' }), []);
    const window = new Array(200_000);
    let peak = 0;
    for (let i = 0; i < 3_000_000; i++) {
      window[i % window.length] = { key: 'k' + i, value: { n: i, page: '/p' + (i % 97) } };
      if (i % 20_000 === 0) {
        peak = Math.max(peak, getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size);
        await turn(); // the event loop turns, as a worker's does: the gc observer hears of full collections
      }
    }
    kept.stop();
    process.stdout.write(String(peak));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('.', import.meta.url) });
  return Number(stdout);
}

void describe('keepHeapHeadroom', () => {
  void it('makes V8 collect the old generation sooner: its peak falls well below V8 own growth', async (t) => {
    const own = await peakOldSpace(0);
    const bounded = await peakOldSpace(8 * MiB);
    t.diagnostic(`old generation peak: ${Math.round(own / MiB)} MiB with V8's own growth, ${Math.round(bounded / MiB)} MiB with 8 MiB of headroom`);
    assert.ok(own > 0 && bounded > 0, `both children reported: ${own} and ${bounded} bytes`);
    assert.ok(bounded < own * 0.75, `old generation peak ${Math.round(bounded / MiB)} MiB with 8 MiB of headroom, ${Math.round(own / MiB)} MiB with V8's own factor`);
  });

  void it('grows a small live heap by V8 own largest factor and a large one by the headroom, never below the floor', () => {
    assert.equal(growingPercentFor(128 * MiB, 20 * MiB), MAX_PERCENT);
    assert.equal(growingPercentFor(128 * MiB, 256 * MiB), 50);
    assert.equal(growingPercentFor(128 * MiB, 4096 * MiB), MIN_PERCENT);
    assert.equal(growingPercentFor(128 * MiB, 0), MAX_PERCENT);
  });

  void it('leaves a --heap-growing-percent given on the node command line in place, and says so', () => {
    for (const flag of ['--heap-growing-percent=30', '--heap_growing_percent=30']) {
      const { logger, records } = captureLogger();
      keepHeapHeadroom(128 * MiB, logger, ['--enable-source-maps', flag]).stop();
      assert.equal(records.length, 1);
      assert.match(String(records[0]!['msg']), /set on the node command line; settings\.heapHeadroomBytes is left unused/);
      assert.equal(records[0]!['flag'], flag);
    }
  });
});
