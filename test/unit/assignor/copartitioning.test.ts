// Co-partitioning: partition N of every topic of a co-partition group goes to one member, for any
// group shape and member count; changelogs nobody subscribes to are owned for routing.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ownerOf } from '../../../src/assignor/index.js';
import { assignRound, forEachSeed, partitionCounts, randomTopology, uniformMembers, urlOf } from './assignor-fixture.js';

void describe('assignor co-partitioning', () => {
  it('gives partition N of every topic in a co-partition group to one member', () => {
    forEachSeed(300, (random) => {
      const topology = randomTopology(random);
      const round = assignRound(uniformMembers(topology, random.int(1, 8)), topology.counts);
      for (const group of topology.groups) {
        const partitions = topology.counts.get(group.topics[0]!)!;
        for (let partition = 0; partition < partitions; partition++) {
          const owners = [...group.topics, ...(group.changelogs ?? [])].map((topic) => ownerOf(round.cluster, topic, partition));
          assert.ok(owners[0] !== undefined, `partition ${partition} of ${group.topics[0]} has an owner`);
          assert.deepEqual(new Set(owners).size, 1, `owners of partition ${partition}: ${owners.join(', ')}`);
        }
      }
    });
  });

  it('assigns every partition of every subscribed topic to exactly one member', () => {
    forEachSeed(300, (random) => {
      const topology = randomTopology(random);
      const round = assignRound(uniformMembers(topology, random.int(1, 8)), topology.counts);
      const seen = new Map<string, number>();
      for (const { partitions } of round.results.values()) {
        for (const { topic, partition } of partitions) seen.set(`${topic}:${partition}`, (seen.get(`${topic}:${partition}`) ?? 0) + 1);
      }
      const expected = [...topology.counts].flatMap(([topic, count]) => Array.from({ length: count }, (_, p) => `${topic}:${p}`));
      assert.deepEqual([...seen.keys()].sort(), expected.sort());
      assert.ok([...seen.values()].every((n) => n === 1), 'no partition is assigned twice');
    });
  });

  it('keeps Kafka-level partitions of a group together on the member that owns them', () => {
    const counts = partitionCounts({ orders: 4, payments: 4 });
    const groups = [{ topics: ['orders', 'payments'], changelogs: ['app-joined-changelog'] }];
    const round = assignRound(
      ['a', 'b', 'c'].map((memberId) => ({ memberId, topics: ['orders', 'payments'], groups })),
      counts,
    );
    for (const { partitions } of round.results.values()) {
      const orders = partitions.filter((p) => p.topic === 'orders').map((p) => p.partition);
      const payments = partitions.filter((p) => p.topic === 'payments').map((p) => p.partition);
      assert.deepEqual(orders, payments);
      assert.ok(partitions.every((p) => p.topic !== 'app-joined-changelog'), 'an unsubscribed changelog is not a Kafka-level assignment');
    }
  });

  it('merges groups that share a topic, so a table updated from two sources stays with both', () => {
    const counts = partitionCounts({ clicks: 6, views: 6 });
    const round = assignRound(
      [
        { memberId: 'a', topics: ['clicks', 'views'], groups: [{ topics: ['clicks'], changelogs: ['app-stats-changelog'] }] },
        { memberId: 'b', topics: ['clicks', 'views'], groups: [{ topics: ['views'], changelogs: ['app-stats-changelog'] }] },
      ],
      counts,
    );
    assert.equal(round.cluster.copartitionGroups.length, 1);
    for (let partition = 0; partition < 6; partition++) {
      assert.equal(ownerOf(round.cluster, 'clicks', partition), ownerOf(round.cluster, 'views', partition));
    }
  });

  it('owns a changelog partition nobody subscribes to with the source partition of the same number', () => {
    const groups = [{ topics: ['orders'], changelogs: ['app-totals-changelog'] }];
    const round = assignRound(
      ['a', 'b'].map((memberId) => ({ memberId, topics: ['orders'], groups })),
      partitionCounts({ orders: 3 }),
    );
    for (let partition = 0; partition < 3; partition++) {
      const owner = round.cluster.members.find((m) => m.actives.some((a) => a.topic === 'orders' && a.partition === partition))!;
      assert.equal(ownerOf(round.cluster, 'app-totals-changelog', partition), urlOf(owner.memberId));
    }
  });

  it('leaves out a group whose topics do not exist yet', () => {
    const groups = [{ topics: ['later'], changelogs: ['app-t-changelog'] }];
    const round = assignRound([{ memberId: 'a', topics: ['later', 'now'], groups }], partitionCounts({ now: 2 }));
    assert.deepEqual(round.results.get('a')!.partitions, [
      { topic: 'now', partition: 0 },
      { topic: 'now', partition: 1 },
    ]);
    assert.equal(ownerOf(round.cluster, 'later', 0), undefined);
  });
});
