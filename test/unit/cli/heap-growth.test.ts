// settings.heapGrowingPercent: `streamd start` sets V8's heap growing percent, and V8 collects the
// old generation sooner. Shown in a child process (the flag is process-wide) that keeps records alive
// for a while, as stream buffers do, so they are promoted and die in the old generation: with the
// setting the old generation peaks well below V8's own growth. A --heap-growing-percent on the node
// command line wins over the setting.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { applyHeapGrowingPercent } from '../../../src/cli/heap-growth.js';
import { captureLogger } from '../stores/fixture.js';

const MODULE = new URL('../../../src/cli/heap-growth.js', import.meta.url).href;

/** Peak bytes of the old generation while 3M records churn through a window of 200k, with `percent` applied. */
async function peakOldSpace(percent: number): Promise<number> {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { pino } from 'pino';
    import { applyHeapGrowingPercent } from ${JSON.stringify(MODULE)};
    applyHeapGrowingPercent(${percent}, pino({ level: 'silent' }), []);
    const window = new Array(200_000);
    let peak = 0;
    for (let i = 0; i < 3_000_000; i++) {
      window[i % window.length] = { key: 'k' + i, value: { n: i, page: '/p' + (i % 97) } };
      if (i % 20_000 === 0) peak = Math.max(peak, getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size);
    }
    process.stdout.write(String(peak));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('.', import.meta.url) });
  return Number(stdout);
}

void describe('applyHeapGrowingPercent', () => {
  void it('makes V8 collect the old generation sooner: its peak falls well below V8 own growth', async (t) => {
    const own = await peakOldSpace(0);
    const bounded = await peakOldSpace(20);
    t.diagnostic(`old generation peak: ${Math.round(own / 2 ** 20)} MiB with V8's own growth, ${Math.round(bounded / 2 ** 20)} MiB at 20%`);
    assert.ok(own > 0 && bounded > 0, `both children reported: ${own} and ${bounded} bytes`);
    assert.ok(bounded < own * 0.75, `old generation peak ${Math.round(bounded / 2 ** 20)} MiB at 20%, ${Math.round(own / 2 ** 20)} MiB with V8's own factor`);
  });

  void it('leaves a --heap-growing-percent given on the node command line in place, and says so', () => {
    for (const flag of ['--heap-growing-percent=30', '--heap_growing_percent=30']) {
      const { logger, records } = captureLogger();
      applyHeapGrowingPercent(50, logger, ['--enable-source-maps', flag]);
      assert.equal(records.length, 1);
      assert.match(String(records[0]!['msg']), /set on the node command line; settings\.heapGrowingPercent is left unused/);
      assert.equal(records[0]!['flag'], flag);
    }
  });
});
