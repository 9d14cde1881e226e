// KeyCensus: how many keys a cold restore left in its store, up to the clean cache's size, counted
// from the changelog records as they are applied (a tombstone takes its key out); and that counting
// hands the records' keys on unchanged.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConsumerRecord } from '../../../src/kafka/index.js';
import { stringCodec } from '../../../src/models/index.js';
import { KEY_ENCODING_HEADER } from '../../../src/tables/index.js';
import { KeyCensus } from '../../../src/tables/key-census.js';
import { changelogKeyReader } from '../../../src/tables/key-encoding.js';

let offset = 0n;
const record = (key: string, value: string | null, headers: Record<string, Buffer> = { [KEY_ENCODING_HEADER]: Buffer.from('string') }): ConsumerRecord => ({
  topic: 't-changelog',
  partition: 0,
  offset: offset++,
  key: Buffer.from(key),
  value: value === null ? null : Buffer.from(value),
  headers,
  timestamp: 0,
});

describe('KeyCensus', () => {
  const keyOf = changelogKeyReader(stringCodec('key'));

  it('stays within the limit while the keys in the store are at most the limit: rewrites count once, a tombstone frees its key', () => {
    const census = new KeyCensus(3);
    const counted = census.counting(keyOf);
    for (const r of [record('a', '1'), record('b', '1'), record('a', '2'), record('c', '1'), record('b', null), record('d', '1')]) counted(r);
    assert.equal(census.isOverLimit, false, 'a, c and d are in the store: 3 keys');
    counted(record('e', '1'));
    assert.equal(census.isOverLimit, true, 'a 4th key is past the limit of 3');
    counted(record('e', null));
    counted(record('d', null));
    assert.equal(census.isOverLimit, true, 'once past the limit it stays past it: the count stopped');
  });

  it('hands every key on as the reader read it, old JSON keys re-encoded, and skips key-less records', () => {
    const counted = new KeyCensus(10).counting(keyOf);
    assert.deepEqual(counted(record('k-1', '1')), { key: Buffer.from('k-1'), isReencoded: false });
    assert.deepEqual(counted(record('"k-2"', '1', {})), { key: Buffer.from('k-2'), isReencoded: true }, 'a header-less key is the old JSON encoding');
    assert.equal(counted({ ...record('x', '1'), key: null }), undefined);
  });
});
