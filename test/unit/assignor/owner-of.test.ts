// Routing: ownerOf answers which member's web server owns a partition, from any member's copy of
// the cluster assignment.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeClusterAssignment, ownerOf } from '../../../src/assignor/index.js';
import { assignRound, partitionCounts, urlOf } from './assignor-fixture.js';

const GROUPS = [{ topics: ['orders'], changelogs: ['app-totals-changelog'] }];

void describe('assignor routing (ownerOf)', () => {
  it('returns the URL of the member that owns the partition as active', () => {
    const round = assignRound(['a', 'b', 'c'].map((memberId) => ({ memberId, topics: ['orders'], groups: GROUPS })), partitionCounts({ orders: 6 }));
    for (const [memberId, { partitions }] of round.results) {
      for (const { topic, partition } of partitions) assert.equal(ownerOf(round.cluster, topic, partition), urlOf(memberId));
    }
  });

  it('routes a table\'s changelog partition to the member owning the source partition of the same number', () => {
    const round = assignRound(['a', 'b'].map((memberId) => ({ memberId, topics: ['orders'], groups: GROUPS })), partitionCounts({ orders: 4 }));
    for (let partition = 0; partition < 4; partition++) {
      assert.equal(ownerOf(round.cluster, 'app-totals-changelog', partition), ownerOf(round.cluster, 'orders', partition));
    }
  });

  it('gives the same answer from every member\'s copy of the assignment', () => {
    const round = assignRound(['a', 'b', 'c'].map((memberId) => ({ memberId, topics: ['orders'], groups: GROUPS })), partitionCounts({ orders: 5 }));
    const copies = [...round.results.values()].map(({ userData }) => decodeClusterAssignment(userData));
    for (let partition = 0; partition < 5; partition++) {
      assert.equal(new Set(copies.map((cluster) => ownerOf(cluster, 'orders', partition))).size, 1);
    }
  });

  it('returns undefined for an unknown topic, a partition out of range, or an owner without a URL', () => {
    const round = assignRound([{ memberId: 'a', topics: ['orders'], groups: GROUPS }], partitionCounts({ orders: 2 }));
    assert.equal(ownerOf(round.cluster, 'nope', 0), undefined);
    assert.equal(ownerOf(round.cluster, 'orders', 2), undefined);
    assert.equal(ownerOf(round.cluster, 'orders', -1), undefined);
    const anonymous = { ...round.cluster, members: round.cluster.members.map((m) => ({ ...m, url: null })) };
    assert.equal(ownerOf(anonymous, 'orders', 0), undefined);
  });
});
