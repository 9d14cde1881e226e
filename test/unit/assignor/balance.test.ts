// Balance: members that subscribe to the same topics own unit counts within one of each other, so
// no subscribing member sits idle while another holds several (the kafkajs#1361 symptom).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CopartitionGroup } from '../../../src/assignor/index.js';
import { assignRound, forEachSeed, loads, partitionCounts, randomTopology, uniformMembers, type SimMember } from './assignor-fixture.js';

function spread(values: Iterable<number>): number {
  const list = [...values];
  return Math.max(...list) - Math.min(...list);
}

void describe('assignor balance', () => {
  it('keeps active unit counts within one between members that subscribe to the same topics', () => {
    forEachSeed(300, (random) => {
      const topology = randomTopology(random);
      const round = assignRound(uniformMembers(topology, random.int(1, 9)), topology.counts);
      assert.ok(spread(loads(round).values()) <= 1, `loads ${JSON.stringify([...loads(round)])}`);
    });
  });

  it('never leaves a subscribing member with no partition while another holds two or more', () => {
    forEachSeed(300, (random) => {
      const topology = randomTopology(random);
      const round = assignRound(uniformMembers(topology, random.int(2, 12)), topology.counts);
      const counts = [...loads(round).values()];
      if (counts.some((n) => n === 0)) assert.ok(counts.every((n) => n <= 1), `loads ${counts.join(',')}`);
    });
  });

  it('balances members with different subscriptions within each set of equal subscribers', () => {
    forEachSeed(300, (random) => {
      const topology = randomTopology(random);
      // Each member runs a subset of the agents: it subscribes to whole groups.
      const members: SimMember[] = Array.from({ length: random.int(2, 8) }, (_, i) => {
        const groups = topology.groups.filter(() => random.chance(0.6));
        const chosen = groups.length > 0 ? groups : [topology.groups[0]!];
        return { memberId: `m${i}`, topics: chosen.flatMap((g) => g.topics), groups: chosen };
      });
      const round = assignRound(members, topology.counts);
      const sourcesByFirstTopic = new Map(topology.groups.map((g) => [[...g.topics, ...(g.changelogs ?? [])].sort()[0]!, g.topics]));
      const sourcesOfUnit = (unit: string): readonly string[] => {
        const first = unit.slice(0, unit.lastIndexOf(':'));
        return sourcesByFirstTopic.get(first) ?? [first];
      };
      const bySubscription = new Map<string, number[]>();
      for (const member of members) {
        const key = [...member.topics].sort().join(',');
        bySubscription.set(key, [...(bySubscription.get(key) ?? []), round.units.get(member.memberId)!.size]);
      }
      for (const [key, counts] of bySubscription) assert.ok(spread(counts) <= 1, `subscribers of ${key}: ${counts.join(',')}`);
      // Across subscriptions: nobody holds two more than a member that could take one of its units.
      for (const heavy of members) {
        for (const light of members) {
          const heavyUnits = round.units.get(heavy.memberId)!;
          const lightUnits = round.units.get(light.memberId)!;
          if (heavyUnits.size - lightUnits.size < 2) continue;
          const takeable = [...heavyUnits].some((unit) => sourcesOfUnit(unit).every((topic) => light.topics.includes(topic)));
          assert.ok(!takeable, `${heavy.memberId} holds ${heavyUnits.size}, ${light.memberId} ${lightUnits.size} and could take one`);
        }
      }
    });
  });

  it('spreads each group over the members when they start from nothing', () => {
    const groups: CopartitionGroup[] = [{ topics: ['a'] }, { topics: ['b'] }];
    const round = assignRound(
      ['m1', 'm2'].map((memberId) => ({ memberId, topics: ['a', 'b'], groups })),
      partitionCounts({ a: 4, b: 4 }),
    );
    for (const { partitions } of round.results.values()) {
      assert.equal(partitions.filter((p) => p.topic === 'a').length, 2);
      assert.equal(partitions.filter((p) => p.topic === 'b').length, 2);
    }
  });

  it('gives a group only to the members that subscribe to all of its topics during a rolling deploy', () => {
    const counts = partitionCounts({ orders: 4, payments: 4 });
    const oldGroups: CopartitionGroup[] = [{ topics: ['orders'] }];
    const newGroups: CopartitionGroup[] = [{ topics: ['orders', 'payments'] }];
    const round = assignRound(
      [
        { memberId: 'old', topics: ['orders'], groups: oldGroups },
        { memberId: 'new1', topics: ['orders', 'payments'], groups: newGroups },
        { memberId: 'new2', topics: ['orders', 'payments'], groups: newGroups },
      ],
      counts,
    );
    assert.deepEqual(round.results.get('old')!.partitions, []);
    assert.equal(round.results.get('new1')!.partitions.length, 4);
    assert.equal(round.results.get('new2')!.partitions.length, 4);
  });

  it('keeps a group processed by the largest set of like members when none subscribes to all of its topics', () => {
    const counts = partitionCounts({ v1source: 2, v2source: 2 });
    const round = assignRound(
      [
        { memberId: 'a', topics: ['v1source'], groups: [{ topics: ['v1source'], changelogs: ['app-t-changelog'] }] },
        { memberId: 'b', topics: ['v1source'], groups: [{ topics: ['v1source'], changelogs: ['app-t-changelog'] }] },
        { memberId: 'c', topics: ['v2source'], groups: [{ topics: ['v2source'], changelogs: ['app-t-changelog'] }] },
      ],
      counts,
    );
    assert.equal(round.results.get('a')!.partitions.length, 1);
    assert.equal(round.results.get('b')!.partitions.length, 1);
    assert.deepEqual(round.results.get('c')!.partitions, []);
  });
});
