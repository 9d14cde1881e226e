// parseDuration: the manifest's durations (500ms, 10s, 1m30s, 1h, 1d, or integers of ms) in milliseconds.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration } from '../../../src/manifest/index.js';

describe('parseDuration', () => {
  it('reads each unit', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('1m'), 60_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('1d'), 86_400_000);
  });

  it('adds compound durations and whole-millisecond decimals', () => {
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('1m30s500ms'), 90_500);
    assert.equal(parseDuration('1.5s'), 1500);
  });

  it('takes integers and digit strings as milliseconds', () => {
    assert.equal(parseDuration(250), 250);
    assert.equal(parseDuration('250'), 250);
    assert.equal(parseDuration(0), 0);
  });

  it('rejects text that is not a duration, saying what is accepted', () => {
    for (const bad of ['10 minutes', '10S', 's', '', '1w', '-1s']) {
      assert.throws(() => parseDuration(bad), (error: Error) => error instanceof RangeError && error.message.includes('500ms, 10s'), bad);
    }
  });

  it('rejects negative, fractional and fractional-millisecond values', () => {
    assert.throws(() => parseDuration(-1), RangeError);
    assert.throws(() => parseDuration(1.5), RangeError);
    assert.throws(() => parseDuration('1.5ms'), /whole number of milliseconds/);
  });
});
