// "Did you mean": edit distance with transpositions, spelling without case or separators, prefixes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closest, didYouMean, editDistance } from '../../../src/errors/index.js';

describe('suggestions', () => {
  it('counts a swap of adjacent letters as one edit', () => {
    assert.equal(editDistance('tpoic', 'topic'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
  });

  it('suggests the camelCase setting for a snake_case spelling', () => {
    assert.equal(closest('commit_interval_ms', ['commitEvery', 'commitIntervalMs']), 'commitIntervalMs');
  });

  it('suggests near misses within two edits and names sharing a prefix', () => {
    assert.equal(closest('partition', ['partitions', 'replicas']), 'partitions');
    assert.equal(closest('page_view', ['page_views', 'clicks']), 'page_views');
    assert.equal(closest('brokerSession', ['brokerSessionTimeoutMs', 'brokerClientId']), 'brokerSessionTimeoutMs');
  });

  it('prefers the closer of two candidates', () => {
    assert.equal(closest('topc', ['topics', 'topic']), 'topic');
  });

  it('suggests nothing for distant or very short names', () => {
    assert.equal(closest('zzz', ['topic', 'handler']), undefined);
    assert.equal(closest('ab', ['id']), undefined);
    assert.equal(didYouMean('topic', ['topic']), undefined);
  });

  it('words the hint as a question', () => {
    assert.equal(didYouMean('tpoic', ['topic', 'topics']), 'did you mean "topic"?');
  });
});
