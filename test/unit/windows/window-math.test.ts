import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLOCK_KEY, keyRange, parseWindowKey, windowKey } from '../../../src/windows/window-key.js';
import { currentWindow, mergeSessions, windowsOf } from '../../../src/windows/window-math.js';

const MIN = 60_000;

describe('window math', () => {
  it('puts a time in one tumbling window, aligned to the size', () => {
    assert.deepEqual(windowsOf({ type: 'tumbling', sizeMs: MIN }, 90_000), [{ start: 60_000, end: 120_000 }]);
    assert.deepEqual(windowsOf({ type: 'tumbling', sizeMs: MIN }, 60_000), [{ start: 60_000, end: 120_000 }]);
    assert.deepEqual(windowsOf({ type: 'tumbling', sizeMs: MIN }, -1), [{ start: -60_000, end: 0 }]);
  });

  it('puts a time in size/step hopping windows, oldest first, and reads the latest as current', () => {
    const shape = { type: 'hopping', sizeMs: 5 * MIN, stepMs: MIN } as const;
    const windows = windowsOf(shape, 7 * MIN + 5);
    assert.deepEqual(windows.map((w) => w.start / MIN), [3, 4, 5, 6, 7]);
    assert.ok(windows.every((w) => w.end - w.start === 5 * MIN && w.start <= 7 * MIN + 5 && 7 * MIN + 5 < w.end));
    assert.deepEqual(currentWindow(shape, 7 * MIN + 5), { start: 7 * MIN, end: 12 * MIN });
    assert.equal(windowsOf({ type: 'hopping', sizeMs: 10 * MIN, stepMs: 3 * MIN }, 20 * MIN).length, 3);
  });

  it('gives a sliding event its own window and a session event its gap', () => {
    assert.deepEqual(windowsOf({ type: 'sliding', beforeMs: 30_000, afterMs: 30_000 }, 100_000), [{ start: 70_000, end: 130_001 }]);
    assert.deepEqual(windowsOf({ type: 'session', gapMs: 2 * MIN }, 100_000), [{ start: 100_000, end: 220_000 }]);
  });

  it('merges a session with the sessions it touches, not with those further than the gap', () => {
    const sessions = [{ start: 0, end: 100 }, { start: 150, end: 250 }, { start: 400, end: 500 }];
    const { merged, absorbed } = mergeSessions({ start: 90, end: 190 }, sessions);
    assert.deepEqual(merged, { start: 0, end: 250 });
    assert.equal(absorbed.length, 2);
    assert.deepEqual(mergeSessions({ start: 300, end: 350 }, sessions).absorbed, []);
  });
});

describe('windowed keys', () => {
  it('round-trips a key and window, and sorts one key\'s windows by start inside its range', () => {
    const key = Buffer.from('page-1');
    const keys = [{ start: 120_000, end: 180_000 }, { start: -60_000, end: 0 }, { start: 60_000, end: 120_000 }].map((w) => windowKey(key, w));
    const sorted = [...keys].sort((a, b) => Buffer.compare(a, b)).map((k) => parseWindowKey(k)!.window.start);
    assert.deepEqual(sorted, [-60_000, 60_000, 120_000]);
    assert.deepEqual(parseWindowKey(keys[0]!)?.key, key);
    const range = keyRange(key);
    assert.ok(keys.every((k) => Buffer.compare(k, range.gte) >= 0 && Buffer.compare(k, range.lt) < 0));
    // A longer key with the same prefix is outside the range: the length comes first.
    const other = windowKey(Buffer.from('page-10'), { start: 0, end: 1 });
    assert.ok(Buffer.compare(other, range.lt) >= 0 || Buffer.compare(other, range.gte) < 0);
    assert.equal(parseWindowKey(CLOCK_KEY), undefined);
  });
});
