// The Scheduler on a ManualClock: interval firing after readiness, no overlap, errors that do not
// stop a timer, leader-only gating, start-up tasks, and a prompt stop.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { HandlerContext } from '../../../src/agents/index.js';
import { ManualClock } from '../../../src/service/index.js';
import { Scheduler, type TaskJob, type TimerHandler, type TimerJob } from '../../../src/timers/index.js';
import { waitFor } from '../../helpers/wait-for.js';

const silent = pino({ level: 'silent' });

interface Setup {
  readonly timers?: readonly TimerJob[];
  readonly tasks?: readonly TaskJob[];
  readonly isLeader?: () => boolean;
  readonly whenReady?: (signal: AbortSignal) => Promise<void>;
}

function scheduler(clock: ManualClock, setup: Setup): Scheduler {
  return new Scheduler({
    logger: silent,
    clock,
    timers: setup.timers ?? [],
    tasks: setup.tasks ?? [],
    context: { topics: {}, agents: {}, tables: () => ({}), isLeader: setup.isLeader ?? (() => true) },
    whenReady: setup.whenReady ?? (() => Promise.resolve()),
  });
}

function timer(name: string, intervalMs: number, handler: TimerHandler, isLeaderOnly = false): TimerJob {
  return { name, intervalMs, isLeaderOnly, handler };
}

/** Waits until `count` sleeps are pending: the loops have reached their next wait. */
function sleeping(clock: ManualClock, count = 1): Promise<true> {
  return waitFor(() => clock.pendingSleeps >= count, { timeoutMs: 2_000, intervalMs: 1, message: `${count} pending sleeps` });
}

void describe('Scheduler', () => {
  void it('runs a timer first one interval after start, then every interval', async () => {
    const clock = new ManualClock(0);
    const times: number[] = [];
    const service = scheduler(clock, { timers: [timer('tick', 1_000, () => void times.push(clock.now()))] });
    await service.start();
    try {
      await sleeping(clock);
      await clock.advance(999);
      assert.deepEqual(times, []);
      await clock.advance(1);
      await waitFor(() => service.runCount('tick') === 1, { timeoutMs: 2_000, message: 'first run' });
      for (let i = 0; i < 3; i++) {
        await sleeping(clock);
        await clock.advance(1_000);
        await waitFor(() => service.runCount('tick') === i + 2, { timeoutMs: 2_000, message: `run ${i + 2}` });
      }
      assert.deepEqual(times, [1_000, 2_000, 3_000, 4_000]);
    } finally {
      await service.stop();
    }
  });

  void it('waits for readiness before the first interval begins', async () => {
    const clock = new ManualClock(0);
    let ready: () => void = () => undefined;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    const times: number[] = [];
    const service = scheduler(clock, { timers: [timer('tick', 1_000, () => void times.push(clock.now()))], whenReady: () => isReady });
    await service.start();
    try {
      await clock.advance(5_000);
      assert.equal(clock.pendingSleeps, 0, 'no interval began before readiness');
      ready();
      await sleeping(clock);
      await clock.advance(1_000);
      await waitFor(() => times.length === 1, { timeoutMs: 2_000, message: 'first run' });
      assert.deepEqual(times, [6_000]);
    } finally {
      await service.stop();
    }
  });

  void it('never overlaps a slow handler with itself and skips the runs it missed', async () => {
    const clock = new ManualClock(0);
    let active = 0;
    let maxActive = 0;
    let release: () => void = () => undefined;
    const times: number[] = [];
    const slow: TimerHandler = async () => {
      times.push(clock.now());
      active++;
      maxActive = Math.max(maxActive, active);
      if (times.length === 1) await new Promise<void>((resolve) => (release = resolve));
      active--;
    };
    const service = scheduler(clock, { timers: [timer('slow', 1_000, slow)] });
    await service.start();
    try {
      await sleeping(clock);
      await clock.advance(1_000);
      await waitFor(() => times.length === 1, { timeoutMs: 2_000, message: 'first run' });
      await clock.advance(3_500);
      assert.equal(times.length, 1, 'no second run while the first is in progress');
      release();
      await sleeping(clock);
      await clock.advance(500);
      await waitFor(() => times.length === 2, { timeoutMs: 2_000, message: 'second run' });
      assert.deepEqual(times, [1_000, 5_000], 'the next run is at the next due time after the slow one');
      assert.equal(maxActive, 1);
    } finally {
      await service.stop();
    }
  });

  void it('logs and counts a failing run and keeps the timer going', async () => {
    const clock = new ManualClock(0);
    const errors: string[] = [];
    let calls = 0;
    const service = new Scheduler({
      logger: silent,
      clock,
      timers: [
        timer('flaky', 100, () => {
          calls++;
          if (calls === 1) throw new Error('boom');
        }),
      ],
      tasks: [],
      context: { topics: {}, agents: {}, tables: () => ({}), isLeader: () => true },
      whenReady: () => Promise.resolve(),
      onError: (name) => errors.push(name),
    });
    await service.start();
    try {
      for (let i = 1; i <= 3; i++) {
        await sleeping(clock);
        await clock.advance(100);
        await waitFor(() => service.runCount('flaky') === i, { timeoutMs: 2_000, message: `run ${i}` });
      }
      assert.equal(service.errorCount('flaky'), 1);
      assert.deepEqual(errors, ['flaky']);
      assert.equal(service.state, 'running');
    } finally {
      await service.stop();
    }
  });

  void it('runs a leader-only timer only at firings where this worker leads', async () => {
    const clock = new ManualClock(0);
    let isLeader = false;
    const times: number[] = [];
    const service = scheduler(clock, { timers: [timer('report', 100, () => void times.push(clock.now()), true)], isLeader: () => isLeader });
    await service.start();
    try {
      await sleeping(clock);
      await clock.advance(100);
      await sleeping(clock);
      await clock.advance(100);
      await sleeping(clock);
      assert.deepEqual(times, []);
      isLeader = true;
      await clock.advance(100);
      await waitFor(() => times.length === 1, { timeoutMs: 2_000, message: 'run as leader' });
      await sleeping(clock);
      isLeader = false;
      await clock.advance(100);
      await sleeping(clock);
      assert.deepEqual(times, [300]);
    } finally {
      await service.stop();
    }
  });

  void it('runs start-up tasks once on readiness; a leader-only one only on the leader', async () => {
    const clock = new ManualClock(0);
    const ran: string[] = [];
    const service = scheduler(clock, {
      tasks: [
        { name: 'everywhere', isLeaderOnly: false, handler: () => void ran.push('everywhere') },
        { name: 'leader', isLeaderOnly: true, handler: () => void ran.push('leader') },
      ],
      isLeader: () => false,
    });
    await service.start();
    try {
      await waitFor(() => service.runCount('everywhere') === 1, { timeoutMs: 2_000, message: 'the task ran' });
      await clock.advance(10_000);
      assert.deepEqual(ran, ['everywhere']);
    } finally {
      await service.stop();
    }
  });

  void it('stops promptly: aborts the handler signal and does not wait for a handler that ignores it', async () => {
    const clock = new ManualClock(0);
    let seen: HandlerContext | undefined;
    const service = scheduler(clock, {
      timers: [
        timer('stuck', 10, (context) => {
          seen = context;
          return new Promise(() => undefined);
        }),
      ],
    });
    await service.start();
    await sleeping(clock);
    await clock.advance(10);
    await waitFor(() => seen !== undefined, { timeoutMs: 2_000, message: 'handler called' });
    assert.equal(seen?.currentEvent(), undefined);
    const exit = await service.stop();
    assert.equal(exit.state, 'stopped');
    assert.equal(seen?.signal.aborted, true);
  });
});
