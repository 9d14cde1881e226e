// The handler types the README documents are exported from `streamd` (src/index.ts) and fit the
// handlers the worker calls: a crontab or task handler is a timer handler with the same context.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CrontabHandler, HandlerContext, TaskHandler, TimerHandler } from '../../../src/index.js';

describe('public handler types', () => {
  it('types timers, crontabs and tasks as handlers of the timer context', async () => {
    const seen: string[] = [];
    const timer: TimerHandler = (context) => seen.push(`timer ${String(context.isLeader())}`);
    const crontab: CrontabHandler = (context) => Promise.resolve(seen.push(`crontab ${String(context.isLeader())}`));
    const task: TaskHandler = timer;
    const context = { isLeader: () => true } as unknown as HandlerContext;
    for (const handler of [timer, crontab, task]) await handler(context);
    assert.deepEqual(seen, ['timer true', 'crontab true', 'timer true']);
  });
});
