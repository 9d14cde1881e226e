// The assignment of one rebalance, as a pure function of the members' subscriptions and the
// partition counts: co-partitioned, sticky, balanced, with standby replicas. Run by the group
// leader through StreamdAssignor.assign.

import type { AssignmentInput, MemberAssignment, TopicPartition } from '../kafka/index.js';
import { hasCode } from '../errors/index.js';
import { encodeClusterAssignment, type ClusterPlan } from './cluster-codec.js';
import { planCopartitionGroups } from './copartition-plan.js';
import { placeActives } from './place-actives.js';
import { placeStandbys } from './place-standbys.js';
import { decodeSubscription } from './subscription-codec.js';
import type { SubscriptionMetadata } from './types.js';
import { UnitTable, Warmth } from './unit-table.js';

export interface AssignPartitionsOptions {
  /** Standby copies per table partition, on members other than the active one (clamped to members − 1). */
  readonly standbyReplicas: number;
}

/** A member's subscription, or — when it cannot be read (another version) — one with no history. */
type MemberMetadata = Omit<SubscriptionMetadata, 'url'> & { readonly url: string | null };

function readSubscription(userData: Buffer): MemberMetadata {
  try {
    return decodeSubscription(userData);
  } catch (error) {
    // Degrade instead of failing the whole group: the member still gets its share of partitions,
    // it just cannot be routed to (url null) and gets no stickiness or warm-state preference.
    if (hasCode(error, 'STREAMD_ASSIGNOR_PROTOCOL')) return { url: null, copartitionGroups: [], previousActives: [], localState: [] };
    throw error;
  }
}

function byTopicThenPartition(a: TopicPartition, b: TopicPartition): number {
  return a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1;
}

/**
 * Assigns every subscribed partition. Guarantees, for any input:
 * - co-partitioning: partition N of every topic of a co-partition group goes to one member;
 * - balance: no member owns two units (partition N of one group) more than a member that could
 *   take one of them, so members subscribing to the same topics differ by at most one unit and no
 *   subscribing member is left idle while another holds two (the kafkajs#1361 symptom);
 * - stickiness: a member keeps the units it announces as its previous actives unless balance
 *   requires moving them; with equal subscriptions, a joining member takes the fewest units balance
 *   allows and a leaving member's units are the only ones that move;
 * - standbys on members other than the active one, preferring warm ones, spread evenly;
 * - determinism: the same members (in any order) and counts give byte-identical results.
 * Throws `CopartitionMismatchError` when topics of one group have different partition counts.
 * Every member gets an entry; its userData is the whole cluster assignment (cluster-codec.ts).
 */
export function assignPartitions(input: AssignmentInput, options: AssignPartitionsOptions): ReadonlyMap<string, MemberAssignment> {
  const members = [...input.members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const subscribed = members.map((member) => new Set(member.topics));
  const metadata = members.map((member) => readSubscription(member.userData));
  const groups = planCopartitionGroups(
    metadata.map((m, index) => ({ topics: subscribed[index]!, copartitionGroups: m.copartitionGroups })),
    input.partitionsPerTopic,
  );
  const units = new UnitTable(groups);
  const warmth = new Warmth(units, metadata.map((m) => m.localState));
  const claims = metadata.map((m) => new Set(m.previousActives.map((entry) => units.unitOf(entry)).filter((unit) => unit !== undefined)));
  const owner = placeActives({ units, memberCount: members.length, claims, warmth });
  const standbys = placeStandbys({ units, memberCount: members.length, owner, warmth, replicas: options.standbyReplicas });

  const plan: ClusterPlan = {
    members: members.map((member, index) => ({ memberId: member.memberId, url: metadata[index]!.url })),
    groups: groups.map((group, groupIndex) => {
      const unitsOfGroup = Array.from({ length: group.partitions }, (_, partition) => units.unit(groupIndex, partition));
      return {
        topics: group.topics,
        changelogs: group.changelogs,
        globalChangelogs: group.globalChangelogs,
        partitions: group.partitions,
        actives: unitsOfGroup.map((unit) => owner[unit]!),
        standbys: unitsOfGroup.map((unit) => standbys[unit]!),
        globalHolders: group.globalChangelogs.length > 0 ? group.eligible : [],
      };
    }),
  };

  const partitions = members.map((): TopicPartition[] => []);
  owner.forEach((member, unit) => {
    if (member < 0) return;
    const partition = units.partitionOf(unit);
    for (const topic of units.groups[units.groupOf(unit)]!.allTopics) {
      // Kafka-level: only topics the member subscribes to and that exist; changelogs it does not
      // subscribe to are owned in the cluster assignment only.
      if (subscribed[member]!.has(topic) && (input.partitionsPerTopic.get(topic) ?? 0) > 0) partitions[member]!.push({ topic, partition });
    }
  });
  return new Map(
    members.map((member, index) => [
      member.memberId,
      { partitions: partitions[index]!.sort(byTopicThenPartition), userData: encodeClusterAssignment(plan, member.memberId) },
    ]),
  );
}
