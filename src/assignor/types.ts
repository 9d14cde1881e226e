// The data of streamd's partition assignment: what a member announces when it joins, and the
// cluster-wide assignment the leader hands back to every member. Used by the assignor and the worker.

import type { TopicPartition } from '../kafka/index.js';

/**
 * Topics whose partition N must all go to the same member: an agent's source (and repartition)
 * topics together with the changelogs of the tables it updates. Every topic of a group must have
 * the same partition count. Groups that share a topic are merged by the assignor.
 */
export interface CopartitionGroup {
  /** Topics the worker consumes in the group (sources, repartition topics). */
  readonly topics: readonly string[];
  /**
   * Changelog topics of tables kept in the group: each of their partitions gets `standbyReplicas`
   * standby copies. They need not be subscribed; they are owned with the group's partition numbers.
   */
  readonly changelogs?: readonly string[];
  /** Changelog topics of global tables: every member of the group keeps every partition warm. */
  readonly globalChangelogs?: readonly string[];
}

/** A table partition this member holds in its local store (a warm standby or a former active). */
export interface LocalPartition extends TopicPartition {
  /** The changelog offset the local store has reached; absent when unknown. Higher is warmer. */
  readonly offset?: bigint;
}

/** What a member announces in its subscription userData. */
export interface SubscriptionMetadata {
  /** The member's web URL, so others can route table queries to it. */
  readonly url: string;
  /** The co-partition groups this member's manifest declares. */
  readonly copartitionGroups: readonly CopartitionGroup[];
  /** The member's active partitions of the previous generation (for stickiness). */
  readonly previousActives: readonly TopicPartition[];
  /** Table partitions whose stores this member holds locally. */
  readonly localState: readonly LocalPartition[];
}

/** One member as the cluster assignment records it. */
export interface ClusterMember {
  readonly memberId: string;
  /** Its web URL; null when its subscription userData could not be read. */
  readonly url: string | null;
  /** Partitions it owns: every topic of its co-partition groups, subscribed or not (changelogs). */
  readonly actives: readonly TopicPartition[];
  /**
   * Changelog partitions it keeps warm as a standby. Never one of its own actives. Not part of its
   * Kafka-level assignment: the worker reads them outside the consumer group.
   */
  readonly standbys: readonly TopicPartition[];
}

/** The whole assignment of one generation, as every member receives it. */
export interface ClusterAssignment {
  /** The member this copy was made for. */
  readonly memberId: string;
  /** This member's actives (as in `members`; empty when it is not listed). */
  readonly actives: readonly TopicPartition[];
  /** This member's standbys: the changelog partitions it keeps warm. */
  readonly standbys: readonly TopicPartition[];
  /** Every member of the group, sorted by memberId. */
  readonly members: readonly ClusterMember[];
  /** The co-partition groups the assignment used (merged from every member's announcement). */
  readonly copartitionGroups: readonly CopartitionGroup[];
}
