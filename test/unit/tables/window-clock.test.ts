import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WindowClock } from '../../../src/tables/window-clock.js';
import { CLOCK_KEY, windowKey } from '../../../src/windows/window-key.js';

const open = (key: string, start: number, end: number) => ({ key: Buffer.from(key), storeKey: windowKey(Buffer.from(key), { start, end }), window: { start, end } });

describe('WindowClock', () => {
  it('closes by stream time the windows whose end + grace it passed, in end order, once', () => {
    const clock = new WindowClock(0);
    for (const w of [open('a', 60, 120), open('a', 0, 60), open('b', 0, 60)]) clock.track(w);
    clock.observe(65, 1);
    assert.deepEqual(clock.close(clock.streamTime, 10), [], 'grace keeps [0, 60) open at 65');
    clock.observe(70, 2);
    assert.deepEqual(clock.close(clock.streamTime, 10).map((w) => `${w.key.toString()}:${w.window.start}`), ['a:0', 'b:0']);
    assert.deepEqual(clock.close(clock.streamTime, 10), []);
    assert.equal(clock.isClosed({ start: 0, end: 60 }, 10), true);
    assert.equal(clock.isClosed({ start: 60, end: 120 }, 10), false);
    assert.equal(clock.openCount, 1);
  });

  it('moves closed-through on an idle close only as far as the windows it closes', () => {
    const clock = new WindowClock(0);
    clock.track(open('a', 0, 60));
    clock.observe(30, 0);
    assert.equal(clock.close(1_000_000, 10, true).length, 1);
    assert.equal(clock.closedThrough, 70);
    assert.equal(clock.isClosed({ start: 60, end: 120 }, 10), false, 'a window never written stays open after the quiet spell');
    clock.isDirty = false;
    assert.deepEqual(clock.close(2_000_000, 10, true), []);
    assert.equal(clock.isDirty, false, 'a quiet partition does not rewrite its clock entry');
  });

  it('restores its stream time and closed-through mark from its entry, and ignores the entry as a window', () => {
    const clock = new WindowClock(0);
    clock.observe(500, 0);
    clock.close(400, 0);
    const restored = new WindowClock(0);
    restored.restore(clock.encode());
    assert.equal(restored.streamTime, 500);
    assert.equal(restored.closedThrough, 400);
    restored.trackStored(CLOCK_KEY);
    assert.equal(restored.openCount, 0);
  });
});
