// Stickiness: members keep what they owned unless balance requires a move; a joining member takes
// the fewest units balance allows; a leaving member's units are the only ones that move.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CopartitionGroup } from '../../../src/assignor/index.js';
import { assignRound, forEachSeed, partitionCounts, previousOf, randomTopology, uniformMembers, type Round, type SimMember } from './assignor-fixture.js';

/** Members of `round` announcing what they owned in it. */
function rejoin(members: readonly SimMember[], round: Round): SimMember[] {
  return members.map((member) => ({ ...member, previousActives: previousOf(round, member.memberId) }));
}

/** Units whose owner differs between two rounds: unit → [before, after]. */
function moves(before: Round, after: Round): Map<string, [string | undefined, string | undefined]> {
  const ownerIn = (round: Round): Map<string, string> =>
    new Map([...round.units].flatMap(([memberId, units]) => [...units].map((unit): [string, string] => [unit, memberId])));
  const [a, b] = [ownerIn(before), ownerIn(after)];
  const moved = new Map<string, [string | undefined, string | undefined]>();
  for (const unit of new Set([...a.keys(), ...b.keys()])) if (a.get(unit) !== b.get(unit)) moved.set(unit, [a.get(unit), b.get(unit)]);
  return moved;
}

/** The fewest units a new member must take so that loads end within one: smallest x with Σ max(0, load − x − 1) ≤ x. */
function fewestMovesForNewMember(loadsBefore: readonly number[]): number {
  for (let x = 0; ; x++) if (loadsBefore.reduce((sum, load) => sum + Math.max(0, load - x - 1), 0) <= x) return x;
}

void describe('assignor stickiness', () => {
  it('keeps every unit where it is when the same members rejoin', () => {
    forEachSeed(200, (random) => {
      const topology = randomTopology(random);
      const members = uniformMembers(topology, random.int(1, 8));
      const first = assignRound(members, topology.counts);
      const second = assignRound(rejoin(members, first), topology.counts);
      assert.deepEqual(moves(first, second), new Map());
    });
  });

  it('moves to a joining member only the fewest units balance allows, all of them to it', () => {
    forEachSeed(300, (random) => {
      const topology = randomTopology(random);
      const members = uniformMembers(topology, random.int(1, 8));
      const first = assignRound(members, topology.counts);
      const joined = [...rejoin(members, first), ...uniformMembers(topology, 1, members.length)];
      const newcomer = joined.at(-1)!.memberId;
      const second = assignRound(joined, topology.counts);
      const moved = moves(first, second);
      for (const [unit, [, to]] of moved) assert.equal(to, newcomer, `${unit} moved between old members`);
      const loadsBefore = members.map((m) => first.units.get(m.memberId)!.size);
      assert.equal(moved.size, fewestMovesForNewMember(loadsBefore), `loads before ${loadsBefore.join(',')}`);
    });
  });

  it('moves only the departed member\'s units when a member leaves', () => {
    forEachSeed(300, (random) => {
      const topology = randomTopology(random);
      const members = uniformMembers(topology, random.int(2, 8));
      const first = assignRound(members, topology.counts);
      const leaving = members[random.int(0, members.length - 1)]!.memberId;
      const second = assignRound(
        rejoin(members, first).filter((m) => m.memberId !== leaving),
        topology.counts,
      );
      for (const [unit, [from]] of moves(first, second)) assert.equal(from, leaving, `${unit} moved away from ${from}`);
    });
  });

  it('stays balanced and sticky over many rounds of members joining and leaving', () => {
    forEachSeed(50, (random) => {
      const topology = randomTopology(random);
      let members = uniformMembers(topology, random.int(1, 4));
      let next = members.length;
      let round = assignRound(members, topology.counts);
      for (let step = 0; step < 12; step++) {
        members = rejoin(members, round);
        if (members.length > 1 && random.chance(0.5)) members.splice(random.int(0, members.length - 1), 1);
        else members.push(...uniformMembers(topology, 1, next++));
        const after = assignRound(members, topology.counts);
        const loads = [...after.units.values()].map((u) => u.size);
        assert.ok(Math.max(...loads) - Math.min(...loads) <= 1, `step ${step}: loads ${loads.join(',')}`);
        round = after;
      }
    });
  });

  it('gives a departed member\'s unit to a member that holds it warm when loads tie', () => {
    const groups: CopartitionGroup[] = [{ topics: ['orders'], changelogs: ['app-t-changelog'] }];
    const counts = partitionCounts({ orders: 3 });
    const round = assignRound(
      [
        { memberId: 'a', topics: ['orders'], groups, previousActives: [{ topic: 'orders', partition: 0 }] },
        { memberId: 'b', topics: ['orders'], groups, previousActives: [{ topic: 'orders', partition: 1 }] },
        // 'c' left; it owned partition 2, and 'b' kept it warm as a standby.
        { memberId: 'd', topics: ['orders'], groups, previousActives: [], localState: [] },
        { memberId: 'e', topics: ['orders'], groups, localState: [{ topic: 'app-t-changelog', partition: 2, offset: 10n }] },
      ],
      counts,
    );
    assert.deepEqual(round.results.get('e')!.partitions, [{ topic: 'orders', partition: 2 }]);
  });

  it('moves a unit placed in this round rather than one a member kept, when balance needs a move', () => {
    const round = assignRound(
      [
        // 'a' alone runs the agent on 'solo', so it fills up first; 'b' can only take 'shared'.
        { memberId: 'a', topics: ['shared', 'solo'], groups: [{ topics: ['shared'] }, { topics: ['solo'] }], previousActives: [{ topic: 'shared', partition: 2 }] },
        { memberId: 'b', topics: ['shared'], groups: [{ topics: ['shared'] }], previousActives: [{ topic: 'shared', partition: 1 }] },
      ],
      partitionCounts({ shared: 3, solo: 2 }),
    );
    assert.deepEqual(round.results.get('a')!.partitions, [
      { topic: 'shared', partition: 2 },
      { topic: 'solo', partition: 0 },
      { topic: 'solo', partition: 1 },
    ]);
    assert.deepEqual(round.results.get('b')!.partitions, [
      { topic: 'shared', partition: 0 },
      { topic: 'shared', partition: 1 },
    ]);
  });

  it('places a partition two members both claim (a zombie owner) afresh by load, leaving undisputed claims in place', () => {
    const groups: CopartitionGroup[] = [{ topics: ['t'] }];
    const round = assignRound(
      [
        { memberId: 'a', topics: ['t'], groups, previousActives: [{ topic: 't', partition: 0 }, { topic: 't', partition: 2 }] },
        { memberId: 'b', topics: ['t'], groups, previousActives: [{ topic: 't', partition: 0 }] },
        { memberId: 'c', topics: ['t'], groups },
      ],
      partitionCounts({ t: 3 }),
    );
    assert.deepEqual(round.results.get('a')!.partitions, [{ topic: 't', partition: 2 }]);
    assert.deepEqual(round.results.get('b')!.partitions, [{ topic: 't', partition: 0 }]);
    assert.deepEqual(round.results.get('c')!.partitions, [{ topic: 't', partition: 1 }]);
  });
});
