// A partition-count mismatch inside a co-partition group fails the assignment with a clear error
// (STREAMD_COPARTITION_MISMATCH) naming every topic and its count.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode, StreamdError } from '../../../src/errors/index.js';
import { CopartitionMismatchError } from '../../../src/assignor/index.js';
import { assignRound, partitionCounts } from './assignor-fixture.js';

void describe('assignor co-partition mismatch', () => {
  it('refuses topics of one group with different partition counts, naming each topic and count', () => {
    const groups = [{ topics: ['orders', 'payments'] }];
    assert.throws(
      () => assignRound([{ memberId: 'a', topics: ['orders', 'payments'], groups }], partitionCounts({ orders: 8, payments: 6 })),
      (error: unknown) => {
        assert.ok(error instanceof CopartitionMismatchError && error instanceof StreamdError);
        assert.ok(hasCode(error, 'STREAMD_COPARTITION_MISMATCH'));
        assert.deepEqual(error.partitionCounts, { orders: 8, payments: 6 });
        assert.match(error.message, /"orders" has 8, "payments" has 6/);
        return true;
      },
    );
  });

  it('checks a changelog\'s count when the driver reports one', () => {
    const groups = [{ topics: ['orders'], changelogs: ['app-totals-changelog'] }];
    assert.throws(
      () => assignRound([{ memberId: 'a', topics: ['orders'], groups }], partitionCounts({ orders: 4, 'app-totals-changelog': 2 })),
      (error: unknown) => hasCode(error, 'STREAMD_COPARTITION_MISMATCH') && error instanceof Error && error.message.includes('"app-totals-changelog" has 2'),
    );
  });

  it('finds a mismatch across groups merged through a shared topic', () => {
    assert.throws(
      () =>
        assignRound(
          [
            { memberId: 'a', topics: ['clicks', 'views'], groups: [{ topics: ['clicks'], changelogs: ['app-s-changelog'] }] },
            { memberId: 'b', topics: ['clicks', 'views'], groups: [{ topics: ['views'], changelogs: ['app-s-changelog'] }] },
          ],
          partitionCounts({ clicks: 3, views: 4 }),
        ),
      CopartitionMismatchError,
    );
  });

  it('does not count a topic that does not exist yet as a mismatch', () => {
    const groups = [{ topics: ['orders', 'later'] }];
    const round = assignRound([{ memberId: 'a', topics: ['orders', 'later'], groups }], partitionCounts({ orders: 3, later: 0 }));
    assert.equal(round.results.get('a')!.partitions.length, 3);
  });

  it('lets topics with different counts live in different groups', () => {
    const round = assignRound([{ memberId: 'a', topics: ['a', 'b'], groups: [{ topics: ['a'] }, { topics: ['b'] }] }], partitionCounts({ a: 3, b: 5 }));
    assert.equal(round.results.get('a')!.partitions.length, 8);
  });
});
