// Standby replicas: table partitions get copies on members other than the active one, preferring
// members that hold them warm, spread evenly; global table changelogs are kept by every member.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeClusterAssignment, type CopartitionGroup } from '../../../src/assignor/index.js';
import { assignRound, forEachSeed, partitionCounts, previousOf, randomTopology, uniformMembers } from './assignor-fixture.js';

const TABLE: CopartitionGroup[] = [{ topics: ['orders'], changelogs: ['app-totals-changelog'] }];

/** The members keeping `changelog`'s `partition` as a standby. */
function standbyHolders(round: ReturnType<typeof assignRound>, changelog: string, partition: number): string[] {
  return round.cluster.members.filter((m) => m.standbys.some((s) => s.topic === changelog && s.partition === partition)).map((m) => m.memberId);
}

function activeOwner(round: ReturnType<typeof assignRound>, topic: string, partition: number): string | undefined {
  return round.cluster.members.find((m) => m.actives.some((a) => a.topic === topic && a.partition === partition))?.memberId;
}

void describe('assignor standby replicas', () => {
  it('places min(standbyReplicas, members − 1) standbys per table partition, none on the active member nor twice on one', () => {
    forEachSeed(300, (random) => {
      const topology = randomTopology(random);
      const replicas = random.int(0, 3);
      const members = uniformMembers(topology, random.int(1, 7));
      const round = assignRound(members, topology.counts, replicas);
      for (const group of topology.groups) {
        const partitions = topology.counts.get(group.topics[0]!)!;
        for (const changelog of group.changelogs ?? []) {
          for (let partition = 0; partition < partitions; partition++) {
            const holders = standbyHolders(round, changelog, partition);
            assert.equal(holders.length, Math.min(replicas, members.length - 1), `${changelog}:${partition}`);
            assert.equal(new Set(holders).size, holders.length, 'no member holds a standby twice');
            assert.ok(!holders.includes(activeOwner(round, changelog, partition)!), `${changelog}:${partition} standby on its active member`);
          }
        }
      }
    });
  });

  it('spreads standbys evenly: a member\'s actives plus standbys of a group stay within its even share, warm state or not', () => {
    forEachSeed(300, (random) => {
      const topology = randomTopology(random);
      const replicas = random.int(1, 3);
      const members = uniformMembers(topology, random.int(2, 9)).map((member) => ({
        ...member,
        localState: topology.groups.flatMap((group) =>
          (group.changelogs ?? []).flatMap((topic) =>
            Array.from({ length: topology.counts.get(group.topics[0]!)! }, (_, partition) => ({ topic, partition, offset: BigInt(random.int(0, 99)) })).filter(() =>
              random.chance(0.3),
            ),
          ),
        ),
      }));
      const round = assignRound(members, topology.counts, replicas);
      for (const group of topology.groups) {
        const changelog = group.changelogs?.[0];
        if (changelog === undefined) continue;
        const partitions = topology.counts.get(group.topics[0]!)!;
        const share = Math.ceil((partitions * (1 + Math.min(replicas, members.length - 1))) / members.length);
        for (const member of round.cluster.members) {
          const actives = member.actives.filter((a) => a.topic === changelog).length;
          const standbys = member.standbys.filter((s) => s.topic === changelog).length;
          assert.ok(standbys <= Math.max(0, share - actives), `${member.memberId}: ${actives} actives + ${standbys} standbys of ${changelog}, share ${share}`);
        }
      }
    });
  });

  it('prefers a member that already holds the table partition warm', () => {
    const round = assignRound(
      [
        { memberId: 'a', topics: ['orders'], groups: TABLE, previousActives: [{ topic: 'orders', partition: 0 }] },
        { memberId: 'b', topics: ['orders'], groups: TABLE, previousActives: [{ topic: 'orders', partition: 1 }] },
        { memberId: 'c', topics: ['orders'], groups: TABLE },
        { memberId: 'd', topics: ['orders'], groups: TABLE, localState: [{ topic: 'app-totals-changelog', partition: 0 }] },
      ],
      partitionCounts({ orders: 2 }),
    );
    assert.equal(activeOwner(round, 'orders', 0), 'a');
    assert.deepEqual(standbyHolders(round, 'app-totals-changelog', 0), ['d']);
  });

  it('prefers the warm member whose store has reached the highest changelog offset', () => {
    const round = assignRound(
      [
        { memberId: 'a', topics: ['orders'], groups: TABLE, previousActives: [{ topic: 'orders', partition: 0 }] },
        { memberId: 'b', topics: ['orders'], groups: TABLE, localState: [{ topic: 'app-totals-changelog', partition: 0, offset: 900n }] },
        { memberId: 'c', topics: ['orders'], groups: TABLE, localState: [{ topic: 'app-totals-changelog', partition: 0, offset: 12_000_000_000n }] },
      ],
      partitionCounts({ orders: 1 }),
    );
    assert.deepEqual(standbyHolders(round, 'app-totals-changelog', 0), ['c']);
  });

  it('gives a partition that moved to a newcomer a standby on a member that holds its state', () => {
    const members = ['a', 'b'].map((memberId) => ({ memberId, topics: ['orders'], groups: TABLE }));
    const first = assignRound(members, partitionCounts({ orders: 4 }));
    const rejoined = members.map((m) => {
      const owned = previousOf(first, m.memberId);
      // Each member's stores hold its actives and, a little behind, its standbys.
      const standbys = first.cluster.members.find((c) => c.memberId === m.memberId)!.standbys;
      const actives = owned.map((o) => ({ topic: 'app-totals-changelog', partition: o.partition, offset: 100n }));
      return { ...m, previousActives: owned, localState: [...actives, ...standbys.map((s) => ({ ...s, offset: 90n }))] };
    });
    const second = assignRound([...rejoined, { memberId: 'c', topics: ['orders'], groups: TABLE }], partitionCounts({ orders: 4 }));
    const taken = previousOf(second, 'c').map((o) => o.partition);
    assert.equal(taken.length, 1, 'four partitions over three members: the newcomer takes one');
    for (const partition of taken) {
      const [holder] = standbyHolders(second, 'app-totals-changelog', partition);
      const warm = rejoined.find((m) => m.memberId === holder)!.localState.some((l) => l.partition === partition);
      assert.ok(warm, `partition ${partition} standby on ${holder}, which holds nothing of it`);
    }
  });

  it('places no standbys for a group without tables, nor with a single member', () => {
    const noTables = assignRound(
      ['a', 'b'].map((memberId) => ({ memberId, topics: ['t'], groups: [{ topics: ['t'] }] })),
      partitionCounts({ t: 4 }),
    );
    assert.ok(noTables.cluster.members.every((m) => m.standbys.length === 0));
    const alone = assignRound([{ memberId: 'a', topics: ['orders'], groups: TABLE }], partitionCounts({ orders: 4 }), 2);
    assert.deepEqual(alone.cluster.members[0]!.standbys, []);
  });

  it('keeps every partition of a global table changelog on every member except its active owner', () => {
    const groups: CopartitionGroup[] = [{ topics: ['rates'], globalChangelogs: ['app-rates-changelog'] }];
    const round = assignRound(
      ['a', 'b', 'c'].map((memberId) => ({ memberId, topics: ['rates'], groups })),
      partitionCounts({ rates: 5 }),
      0,
    );
    for (let partition = 0; partition < 5; partition++) {
      const owner = activeOwner(round, 'app-rates-changelog', partition)!;
      assert.deepEqual(
        standbyHolders(round, 'app-rates-changelog', partition),
        ['a', 'b', 'c'].filter((m) => m !== owner),
      );
    }
  });

  it('tells each member its own standbys in its assignment userData', () => {
    const round = assignRound(['a', 'b', 'c'].map((memberId) => ({ memberId, topics: ['orders'], groups: TABLE })), partitionCounts({ orders: 6 }));
    for (const [memberId, result] of round.results) {
      const own = decodeClusterAssignment(result.userData);
      assert.equal(own.memberId, memberId);
      assert.equal(own.standbys.length, 2, 'six partitions, one standby each, over three members');
      assert.deepEqual(own.standbys, round.cluster.members.find((m) => m.memberId === memberId)!.standbys);
      assert.ok(own.standbys.every((s) => s.topic === 'app-totals-changelog'));
    }
  });
});
