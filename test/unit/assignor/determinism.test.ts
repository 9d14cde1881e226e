// Determinism: the assignment is a pure function of its input — the same members and counts in any
// order give byte-identical results, so a new leader reproduces what the old one would have done.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StreamdAssignor } from '../../../src/assignor/index.js';
import type { GroupMember, MemberAssignment } from '../../../src/kafka/index.js';
import { forEachSeed, groupMember, randomTopology, uniformMembers, type SeededRandom, type SimMember } from './assignor-fixture.js';

/** Random history: each member claims a few partitions and holds a few changelog partitions. */
function withHistory(random: SeededRandom, members: readonly SimMember[]): SimMember[] {
  return members.map((member) => ({
    ...member,
    previousActives: member.topics.flatMap((topic) => (random.chance(0.3) ? [{ topic, partition: random.int(0, 3) }] : [])),
    localState: (member.groups ?? []).flatMap((group) =>
      (group.changelogs ?? []).flatMap((topic) => (random.chance(0.4) ? [{ topic, partition: random.int(0, 3), offset: BigInt(random.int(0, 500)) }] : [])),
    ),
  }));
}

function plain(result: ReadonlyMap<string, MemberAssignment>): [string, unknown, string][] {
  return [...result].map(([memberId, { partitions, userData }]) => [memberId, partitions, userData.toString('hex')]);
}

void describe('assignor determinism', () => {
  it('gives byte-identical assignments for the same members in any order', () => {
    forEachSeed(200, (random) => {
      const topology = randomTopology(random);
      const members = withHistory(random, uniformMembers(topology, random.int(1, 8))).map(groupMember);
      const leader = new StreamdAssignor({ url: 'http://leader:6066', standbyReplicas: random.int(0, 2) });
      const shuffled: GroupMember[] = random.shuffle(members).map((m) => ({ ...m, topics: random.shuffle(m.topics) }));
      const counts = new Map(random.shuffle([...topology.counts]));
      const a = leader.assign({ members, partitionsPerTopic: topology.counts });
      const b = leader.assign({ members: shuffled, partitionsPerTopic: counts });
      assert.deepEqual(plain(a).sort(), plain(b).sort());
    });
  });

  it('gives the same assignment on another leader with the same standby setting', () => {
    forEachSeed(50, (random) => {
      const topology = randomTopology(random);
      const members = withHistory(random, uniformMembers(topology, random.int(1, 6))).map(groupMember);
      const input = { members, partitionsPerTopic: topology.counts };
      const first = new StreamdAssignor({ url: 'http://one:6066' }).assign(input);
      const second = new StreamdAssignor({ url: 'http://two:6066' }).assign(input);
      assert.deepEqual(plain(first), plain(second));
    });
  });
});
