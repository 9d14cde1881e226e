// Hot reload of scheduled handlers: Scheduler.replaceHandler swaps a timer's or a crontab's code for
// its next firing, while a run in progress finishes with the old code. On a ManualClock.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { ManualClock } from '../../../src/service/index.js';
import { Scheduler, type CrontabJob, type TimerHandler, type TimerJob } from '../../../src/timers/index.js';
import { waitFor } from '../../helpers/wait-for.js';

const silent = pino({ level: 'silent' });

function scheduler(clock: ManualClock, timers: readonly TimerJob[], crontabs: readonly CrontabJob[] = []): Scheduler {
  return new Scheduler({
    logger: silent,
    clock,
    timers,
    tasks: [],
    crontabs,
    context: { topics: {}, agents: {}, tables: () => ({}), isLeader: () => true },
    whenReady: () => Promise.resolve(),
  });
}

function sleeping(clock: ManualClock): Promise<true> {
  return waitFor(() => clock.pendingSleeps >= 1, { timeoutMs: 2_000, intervalMs: 1, message: 'a pending sleep' });
}

void describe('Scheduler.replaceHandler', () => {
  void it('uses a swapped timer handler from the next firing on', async () => {
    const clock = new ManualClock(0);
    const calls: string[] = [];
    const service = scheduler(clock, [{ name: 'tick', intervalMs: 1_000, isLeaderOnly: false, handler: () => void calls.push('old') }]);
    await service.start();
    try {
      await sleeping(clock);
      await clock.advance(1_000);
      await waitFor(() => service.runCount('tick') === 1, { timeoutMs: 2_000, message: 'first run' });
      assert.equal(service.replaceHandler('timer', 'tick', () => void calls.push('new')), true);
      await sleeping(clock);
      await clock.advance(1_000);
      await waitFor(() => service.runCount('tick') === 2, { timeoutMs: 2_000, message: 'second run' });
      assert.deepEqual(calls, ['old', 'new']);
    } finally {
      await service.stop();
    }
  });

  void it('lets a run in progress finish with the old code', async () => {
    const clock = new ManualClock(0);
    const calls: string[] = [];
    let release: () => void = () => undefined;
    const old: TimerHandler = async () => {
      calls.push('old started');
      await new Promise<void>((resolve) => (release = resolve));
      calls.push('old finished');
    };
    const service = scheduler(clock, [{ name: 'slow', intervalMs: 1_000, isLeaderOnly: false, handler: old }]);
    await service.start();
    try {
      await sleeping(clock);
      await clock.advance(1_000);
      await waitFor(() => calls.length === 1, { timeoutMs: 2_000, message: 'first run started' });
      service.replaceHandler('timer', 'slow', () => void calls.push('new'));
      release();
      await sleeping(clock);
      await clock.advance(1_000);
      await waitFor(() => service.runCount('slow') === 2, { timeoutMs: 2_000, message: 'second run' });
      assert.deepEqual(calls, ['old started', 'old finished', 'new']);
    } finally {
      await service.stop();
    }
  });

  void it('swaps a crontab by kind and name, and refuses a job it does not run', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 0, 0, 0));
    const calls: string[] = [];
    const crontab: CrontabJob = { name: 'minutely', cron: '* * * * *', timezone: 'UTC', isLeaderOnly: false, handler: () => void calls.push('old') };
    const service = scheduler(clock, [], [crontab]);
    await service.start();
    try {
      assert.equal(service.replaceHandler('timer', 'minutely', () => undefined), false, 'no timer of that name');
      assert.equal(service.replaceHandler('crontab', 'minutely', () => void calls.push('new')), true);
      await sleeping(clock);
      await clock.advance(60_000);
      await waitFor(() => service.runCount('minutely') === 1, { timeoutMs: 2_000, message: 'crontab run' });
      assert.deepEqual(calls, ['new']);
    } finally {
      await service.stop();
    }
  });
});
