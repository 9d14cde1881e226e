// SortedEntries (MemoryStore's structure) against a plain model: the same answers after a long run
// of random puts, deletes and range reads over short binary keys.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SortedEntries } from '../../../src/stores/sorted-entries.js';
import type { KeyRange } from '../../../src/stores/index.js';
import { SeededRandom } from '../../helpers/seeded-random.js';

void describe('SortedEntries', () => {
  void it('agrees with a sorted model through random puts, deletes and range reads', () => {
    const random = new SeededRandom(20_240_601);
    const next = (): number => random.next();
    const byte = (): number => [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff][Math.floor(next() * 6)] as number;
    const key = (): Buffer => Buffer.from(Array.from({ length: Math.floor(next() * 3) }, byte));
    const entries = new SortedEntries();
    const model = new Map<string, Buffer>();
    for (let step = 0; step < 5_000; step++) {
      const roll = next();
      if (roll < 0.5) {
        const k = key();
        const v = Buffer.from([step & 0xff]);
        entries.set(k, v);
        model.set(k.toString('hex'), v);
      } else if (roll < 0.8) {
        const k = key();
        entries.delete(k);
        model.delete(k.toString('hex'));
      } else {
        const [a, c] = [key(), key()].sort((x, y) => Buffer.compare(x, y)) as [Buffer, Buffer];
        const range: KeyRange = { ...(next() < 0.5 ? { gte: a } : {}), ...(next() < 0.5 ? { lt: c } : {}), reverse: next() < 0.5 };
        const expected = [...model.entries()]
          .map(([hexKey, value]) => [Buffer.from(hexKey, 'hex'), value] as const)
          .filter(([k]) => (range.gte === undefined || Buffer.compare(k, range.gte) >= 0) && (range.lt === undefined || Buffer.compare(k, range.lt) < 0))
          .sort(([x], [y]) => Buffer.compare(x, y) * (range.reverse === true ? -1 : 1))
          .map(([k, value]) => `${k.toString('hex')}=${value.toString('hex')}`);
        const actual = entries.snapshot(range).map(([k, value]) => `${k.toString('hex')}=${value.toString('hex')}`);
        assert.deepEqual(actual, expected, `step ${step}, range ${JSON.stringify(range)}`);
      }
      assert.equal(entries.size, model.size);
      assert.equal(entries.byteSize, [...model].reduce((sum, [hexKey, value]) => sum + hexKey.length / 2 + value.length, 0));
    }
  });
});
