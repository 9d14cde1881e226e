// Helpers of the assignor tests: a seeded PRNG, simulated members that announce themselves through
// StreamdAssignor, one assignment round decoded into units per member, and random scenarios.

import { decodeClusterAssignment, StreamdAssignor, type ClusterAssignment, type CopartitionGroup, type LocalPartition } from '../../../src/assignor/index.js';
import type { GroupMember, TopicPartition } from '../../../src/kafka/index.js';
import { SeededRandom } from '../../helpers/seeded-random.js';

export { SeededRandom };

/** A member of a simulated group. */
export interface SimMember {
  readonly memberId: string;
  readonly topics: readonly string[];
  readonly groups?: readonly CopartitionGroup[];
  readonly previousActives?: readonly TopicPartition[];
  readonly localState?: readonly LocalPartition[];
  readonly url?: string;
}

export function urlOf(memberId: string): string {
  return `http://${memberId}:6066`;
}

/** The member as the leader's assignor receives it, its userData written by its own StreamdAssignor. */
export function groupMember(member: SimMember): GroupMember {
  const assignor = new StreamdAssignor({
    url: member.url ?? urlOf(member.memberId),
    copartitionGroups: member.groups ?? [],
    previousActives: () => member.previousActives ?? [],
    localState: () => member.localState ?? [],
  });
  return { memberId: member.memberId, topics: member.topics, userData: assignor.subscriptionUserData() };
}

/** One member's share of a round. */
export interface MemberResult {
  /** Kafka-level partitions. */
  readonly partitions: readonly TopicPartition[];
  readonly userData: Buffer;
}

/** One assignment round, decoded. */
export interface Round {
  readonly results: ReadonlyMap<string, MemberResult>;
  /** The cluster assignment, decoded from the first member's userData. */
  readonly cluster: ClusterAssignment;
  /** Units (`<first topic of the group>:<partition>`) owned by each member. */
  readonly units: ReadonlyMap<string, ReadonlySet<string>>;
  /** Units each member keeps as standby. */
  readonly standbyUnits: ReadonlyMap<string, ReadonlySet<string>>;
}

export function partitionCounts(counts: Readonly<Record<string, number>>): ReadonlyMap<string, number> {
  return new Map(Object.entries(counts));
}

/** The unit key of a partition: the group's first topic (sorted) and the partition number. */
function unitKeys(cluster: ClusterAssignment): (entry: TopicPartition) => string {
  const firstTopic = new Map<string, string>();
  for (const group of cluster.copartitionGroups) {
    const all = [...group.topics, ...(group.changelogs ?? []), ...(group.globalChangelogs ?? [])].sort();
    for (const topic of all) firstTopic.set(topic, all[0]!);
  }
  return ({ topic, partition }) => `${firstTopic.get(topic) ?? topic}:${partition}`;
}

/** Runs one round with a leader configured with `standbyReplicas` (default 1). */
export function assignRound(members: readonly SimMember[], counts: ReadonlyMap<string, number>, standbyReplicas = 1): Round {
  const leader = new StreamdAssignor({ url: 'http://leader:6066', standbyReplicas });
  const results = leader.assign({ members: members.map(groupMember), partitionsPerTopic: counts });
  const first = [...results.values()][0];
  if (first === undefined) throw new Error('the assignor returned no member');
  const cluster = decodeClusterAssignment(first.userData);
  const key = unitKeys(cluster);
  const units = new Map(cluster.members.map((m) => [m.memberId, new Set(m.actives.map(key))]));
  const standbyUnits = new Map(cluster.members.map((m) => [m.memberId, new Set(m.standbys.map(key))]));
  return { results, cluster, units, standbyUnits };
}

/** The member's Kafka partitions in `round`, to announce as previous actives in the next round. */
export function previousOf(round: Round, memberId: string): readonly TopicPartition[] {
  return round.results.get(memberId)?.partitions ?? [];
}

/** A random set of co-partition groups and topic counts. */
export interface RandomTopology {
  readonly groups: readonly CopartitionGroup[];
  /** Topics the members consume (sources of every group, plus loose topics). */
  readonly sources: readonly string[];
  readonly counts: ReadonlyMap<string, number>;
}

export function randomTopology(random: SeededRandom): RandomTopology {
  const groups: CopartitionGroup[] = [];
  const sources: string[] = [];
  const counts = new Map<string, number>();
  const groupCount = random.int(1, 4);
  for (let g = 0; g < groupCount; g++) {
    const partitions = random.int(1, 12);
    const topics = Array.from({ length: random.int(1, 2) }, (_, i) => `source-${g}-${i}`);
    const changelogs = Array.from({ length: random.int(0, 2) }, (_, i) => `app-table-${g}-${i}-changelog`);
    for (const topic of topics) counts.set(topic, partitions);
    // Changelogs are usually not subscribed, so the driver reports no count for them.
    groups.push({ topics, changelogs });
    sources.push(...topics);
  }
  const loose = random.int(0, 2);
  for (let i = 0; i < loose; i++) {
    counts.set(`loose-${i}`, random.int(1, 6));
    sources.push(`loose-${i}`);
  }
  return { groups, sources, counts };
}

/** `count` members named m00, m01, … subscribing to every source of `topology`. */
export function uniformMembers(topology: RandomTopology, count: number, from = 0): SimMember[] {
  return Array.from({ length: count }, (_, i) => ({
    memberId: `m${String(from + i).padStart(2, '0')}`,
    topics: topology.sources,
    groups: topology.groups,
  }));
}

/** Runs `check` for `cases` seeds; a failure names the seed that reproduces it. */
export function forEachSeed(cases: number, check: (random: SeededRandom) => void): void {
  for (let seed = 1; seed <= cases; seed++) {
    try {
      check(new SeededRandom(seed));
    } catch (error) {
      if (error instanceof Error) error.message = `seed ${seed}: ${error.message}`;
      throw error;
    }
  }
}

/** Number of units each member owns. */
export function loads(round: Round): Map<string, number> {
  return new Map([...round.units].map(([memberId, units]) => [memberId, units.size]));
}
