// Crontabs on a ManualClock: they run at the times their expression names in their time zone,
// only on the leader when onLeader, and keep going after a failed run.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { ManualClock } from '../../../src/service/index.js';
import { Scheduler, type CrontabJob, type TimerHandler } from '../../../src/timers/index.js';
import { waitFor } from '../../helpers/wait-for.js';

const silent = pino({ level: 'silent' });

function scheduler(clock: ManualClock, crontabs: CrontabJob[], isLeader = (): boolean => true): Scheduler {
  return new Scheduler({
    logger: silent,
    clock,
    timers: [],
    tasks: [],
    crontabs,
    context: { topics: {}, agents: {}, tables: () => ({}), isLeader },
    whenReady: () => Promise.resolve(),
  });
}

const crontab = (cron: string, timezone: string, handler: TimerHandler, isLeaderOnly = false): CrontabJob => ({ name: 'job', cron, timezone, isLeaderOnly, handler });

/** Advances the clock to the pending sleep's due time, once the crontab loop is waiting. */
async function toNextRun(clock: ManualClock): Promise<void> {
  await waitFor(() => clock.pendingSleeps >= 1, { timeoutMs: 2_000, intervalMs: 1, message: 'the crontab to wait for its next run' });
  await clock.advance(clock.nextDueMs! - clock.now());
}

void describe('Scheduler crontabs', () => {
  void it('runs at the times the expression names, in the crontab\'s time zone', async () => {
    // 2026-01-05 00:00 UTC; "0 3 * * *" in Europe/Oslo (UTC+1 in January) is 02:00 UTC.
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 0, 0, 0));
    const times: string[] = [];
    const service = scheduler(clock, [crontab('0 3 * * *', 'Europe/Oslo', () => void times.push(new Date(clock.now()).toISOString()))]);
    await service.start();
    try {
      await toNextRun(clock);
      await waitFor(() => times.length === 1, { timeoutMs: 2_000, message: 'first run' });
      await toNextRun(clock);
      await waitFor(() => times.length === 2, { timeoutMs: 2_000, message: 'second run' });
      assert.deepEqual(times, ['2026-01-05T02:00:00.000Z', '2026-01-06T02:00:00.000Z']);
    } finally {
      await service.stop();
    }
  });

  void it('skips onLeader runs off the leader, and keeps going after a failed run', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 0, 0, 0));
    let isLeader = false;
    let calls = 0;
    const service = scheduler(
      clock,
      [crontab('*/10 * * * * *', 'UTC', () => {
        calls += 1;
        throw new Error('boom');
      }, true)],
      () => isLeader,
    );
    await service.start();
    try {
      await toNextRun(clock);
      await waitFor(() => service.runCount('job') === 0 && clock.pendingSleeps >= 1, { timeoutMs: 2_000, message: 'a skipped run' });
      assert.equal(calls, 0, 'not the leader: not run');
      isLeader = true;
      await toNextRun(clock);
      await waitFor(() => service.errorCount('job') === 1, { timeoutMs: 2_000, message: 'a failed run' });
      await toNextRun(clock);
      await waitFor(() => service.errorCount('job') === 2, { timeoutMs: 2_000, message: 'it ran again after the failure' });
      assert.equal(calls, 2);
    } finally {
      await service.stop();
    }
  });
});
