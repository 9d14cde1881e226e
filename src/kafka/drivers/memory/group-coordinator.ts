// GroupCoordinator: one consumer group of the embedded broker — membership, generations, eager
// rebalances with a deadline, the leader's assignment, and the commit check. MemoryCluster owns one
// per group id; MemoryConsumer members call join/rejoin/leave and read their status().

import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { IllegalStateError, RebalanceInProgressError } from '../../../errors/index.js';
import type { Assignor, GroupAssignment, MemberAssignment, TopicPartition } from '../../types.js';
import { timerMs } from './notifier.js';

/**
 * The group's state. `completingRebalance` of Kafka has no state here: the leader's assignor runs
 * synchronously the moment the last member rejoins.
 *
 *   empty ──join──▶ preparingRebalance ──every member rejoined (or was evicted)──▶ stable
 *     ▲                 │    ▲                                                      │
 *     └──last member────┘    └───── join, leave, subscription or topic change ──────┘
 *        left (also from stable)
 *   any ──cluster dropped──▶ dead
 */
export type GroupState = 'empty' | 'preparingRebalance' | 'stable' | 'dead';

const TRANSITIONS: Readonly<Record<GroupState, readonly GroupState[]>> = {
  empty: ['preparingRebalance', 'dead'],
  preparingRebalance: ['stable', 'empty', 'dead'],
  stable: ['preparingRebalance', 'empty', 'dead'],
  dead: [],
};

/** What a member announces when it joins or rejoins. */
export interface MemberRegistration {
  readonly memberId: string;
  readonly clientId: string;
  readonly topics: readonly string[];
  readonly userData: Buffer;
  /** Used when this member leads the group. */
  readonly assignor: Assignor;
  readonly rebalanceTimeoutMs: number;
  /** Called whenever the member should read its status again. Must not throw. */
  readonly wake: () => void;
}

/** A member's view of the group, read by its fetch loop. */
export type MemberStatus =
  | { readonly kind: 'unknown' } // never joined, left, or evicted by a rebalance deadline
  | { readonly kind: 'failed'; readonly error: Error } // it led the group and its assignor threw
  | { readonly kind: 'mustRejoin' } // a rebalance is pending: finish the batch, revoke, rejoin
  | { readonly kind: 'awaitingAssignment' } // rejoined; other members have not yet
  | {
      readonly kind: 'assigned';
      readonly generationId: number;
      readonly isLeader: boolean;
      readonly partitions: readonly TopicPartition[];
    };

/** What the coordinator needs from the cluster. */
export interface GroupCoordinatorDependencies {
  partitionCount(topic: string): number | undefined;
  readonly logger: () => Logger;
}

interface Member {
  registration: MemberRegistration;
  hasRejoined: boolean;
  /** This member's share of the current generation; null until it takes part in one. */
  assignment: MemberAssignment | null;
}

const EMPTY = Buffer.alloc(0);

export class GroupCoordinator {
  #state: GroupState = 'empty';
  #generationId = 0;
  /** In join order: the first one is the leader. */
  readonly #members = new Map<string, Member>();
  /** Former leaders whose assignor threw, until they leave. */
  readonly #failures = new Map<string, Error>();
  #deadline: AbortController | null = null;
  #snapshot: GroupAssignment;

  readonly #dependencies: GroupCoordinatorDependencies;

  constructor(
    readonly groupId: string,
    dependencies: GroupCoordinatorDependencies,
  ) {
    this.#dependencies = dependencies;
    this.#snapshot = { groupId, members: [] };
  }

  get state(): GroupState {
    return this.#state;
  }

  get generationId(): number {
    return this.#generationId;
  }

  /** A new member joins; the group rebalances. */
  join(registration: MemberRegistration): void {
    if (this.#state === 'dead') throw new IllegalStateError(`group "${this.groupId}" is gone: its memory cluster was dropped`);
    this.#members.set(registration.memberId, { registration, hasRejoined: true, assignment: null });
    if (this.#state !== 'preparingRebalance') this.#prepareRebalance(registration.memberId);
    this.#completeIfReady();
  }

  /** A member answers a pending rebalance with its current subscription. */
  rejoin(registration: MemberRegistration): void {
    const member = this.#members.get(registration.memberId);
    if (member === undefined || this.#state !== 'preparingRebalance') return;
    member.registration = registration;
    member.hasRejoined = true;
    this.#completeIfReady();
  }

  /** A member leaves; the others rebalance. Unknown members are ignored. */
  leave(memberId: string): void {
    this.#failures.delete(memberId);
    if (!this.#members.delete(memberId)) return;
    if (this.#members.size === 0) {
      if (this.#state !== 'empty' && this.#state !== 'dead') this.#transition('empty');
    } else if (this.#state === 'stable') {
      this.#prepareRebalance();
    } else {
      this.#completeIfReady();
    }
  }

  /**
   * Removes a member on its behalf (an admin's LeaveGroup for a dead process's member): the group
   * rebalances without it; were it alive, it finds itself unknown and joins as a new member.
   * False for a member the group does not know.
   */
  remove(memberId: string): boolean {
    const member = this.#members.get(memberId);
    if (member === undefined) return false;
    this.leave(memberId);
    member.registration.wake();
    return true;
  }

  /** A subscription changed, or a subscribed topic was created or deleted: every member rejoins. */
  requestRebalance(): void {
    if (this.#state === 'stable') this.#prepareRebalance();
    else if (this.#state === 'preparingRebalance') this.#askToRejoin(null);
  }

  /** Rebalances when any member subscribes to one of `topics`. */
  topicsChanged(topics: readonly string[]): void {
    const isSubscribed = [...this.#members.values()].some((m) => m.registration.topics.some((t) => topics.includes(t)));
    if (isSubscribed) this.requestRebalance();
  }

  status(memberId: string): MemberStatus {
    const member = this.#members.get(memberId);
    if (member === undefined) {
      const error = this.#failures.get(memberId);
      return error === undefined ? { kind: 'unknown' } : { kind: 'failed', error };
    }
    if (this.#state === 'preparingRebalance') return member.hasRejoined ? { kind: 'awaitingAssignment' } : { kind: 'mustRejoin' };
    if (this.#state !== 'stable' || member.assignment === null) return { kind: 'unknown' };
    return {
      kind: 'assigned',
      generationId: this.#generationId,
      isLeader: this.#members.keys().next().value === memberId,
      partitions: member.assignment.partitions,
    };
  }

  /**
   * Rejects unless `memberId` takes part in the current generation and owns every partition. As in
   * Kafka, a member may still commit while a rebalance is pending, until the next generation starts.
   */
  checkCommit(memberId: string, partitions: readonly TopicPartition[]): void {
    const assignment = this.#members.get(memberId)?.assignment;
    if (assignment === null || assignment === undefined) {
      throw new RebalanceInProgressError(
        `member ${memberId} is not in generation ${this.#generationId} of group "${this.groupId}": its partitions were reassigned`,
      );
    }
    for (const { topic, partition } of partitions) {
      if (!assignment.partitions.some((p) => p.topic === topic && p.partition === partition)) {
        throw new RebalanceInProgressError(
          `member ${memberId} does not own ${topic}/${partition} in generation ${this.#generationId} of group "${this.groupId}"`,
        );
      }
    }
  }

  /** Every member of the last completed generation (none once the group is empty). */
  assignment(): GroupAssignment {
    return this.#snapshot;
  }

  /** The cluster is dropped: members see `unknown` and cannot join again. */
  destroy(): void {
    if (this.#state === 'dead') return;
    const members = [...this.#members.values()];
    this.#members.clear();
    this.#transition('dead');
    for (const member of members) member.registration.wake();
  }

  /** Starts a rebalance; `joinerId`, a member joining right now, counts as rejoined. */
  #prepareRebalance(joinerId: string | null = null): void {
    this.#transition('preparingRebalance');
    this.#askToRejoin(joinerId);
    // Kafka waits for the slowest member's rebalance timeout.
    const timeoutMs = Math.max(...[...this.#members.values()].map((m) => m.registration.rebalanceTimeoutMs));
    const deadline = new AbortController();
    this.#deadline?.abort();
    this.#deadline = deadline;
    void sleep(timerMs(timeoutMs), undefined, { signal: deadline.signal }).then(
      () => this.#evictLateMembers(deadline, timeoutMs),
      () => undefined, // aborted: the rebalance ended in time
    );
  }

  /** Every member but `exceptId` must (re)send its subscription. */
  #askToRejoin(exceptId: string | null): void {
    for (const [memberId, member] of this.#members) {
      if (memberId === exceptId) continue;
      member.hasRejoined = false;
      member.registration.wake();
    }
  }

  /** The rebalance deadline passed: members that did not rejoin (a stuck handler) are removed. */
  #evictLateMembers(deadline: AbortController, timeoutMs: number): void {
    if (this.#deadline !== deadline || this.#state !== 'preparingRebalance') return;
    for (const [memberId, member] of this.#members) {
      if (member.hasRejoined) continue;
      this.#members.delete(memberId);
      this.#dependencies.logger().warn(
        { groupId: this.groupId, memberId, timeoutMs },
        'member did not rejoin within the rebalance timeout (handler stuck?): removed from the group',
      );
      member.registration.wake();
    }
    if (this.#members.size === 0) this.#transition('empty');
    else this.#completeIfReady();
  }

  /** When every member has rejoined, the leader assigns and a new generation starts. */
  #completeIfReady(): void {
    while (this.#state === 'preparingRebalance') {
      const members = [...this.#members.values()];
      if (members.length === 0) return this.#transition('empty');
      if (!members.every((m) => m.hasRejoined)) return;
      const leader = members[0]!;
      try {
        const assignments = leader.registration.assignor.assign({
          members: members.map(({ registration: r }) => ({ memberId: r.memberId, topics: r.topics, userData: r.userData })),
          partitionsPerTopic: this.#partitionsPerTopic(members),
        });
        return this.#startGeneration(members, assignments);
      } catch (err) {
        // Kafka fails the leader's SyncGroup: the leader crashes, the rest try again without it.
        const error = err instanceof Error ? err : new Error(String(err));
        this.#dependencies.logger().error({ groupId: this.groupId, memberId: leader.registration.memberId, err: error }, 'assignor failed');
        this.#members.delete(leader.registration.memberId);
        this.#failures.set(leader.registration.memberId, error);
        leader.registration.wake();
      }
    }
  }

  #startGeneration(members: readonly Member[], assignments: ReadonlyMap<string, MemberAssignment>): void {
    this.#generationId += 1;
    for (const member of members) {
      const assigned = assignments.get(member.registration.memberId);
      member.assignment = {
        partitions: (assigned?.partitions ?? []).map(({ topic, partition }) => ({ topic, partition })),
        userData: assigned?.userData ?? EMPTY,
      };
    }
    this.#snapshot = {
      groupId: this.groupId,
      members: members.map(({ registration: r, assignment }) => ({
        memberId: r.memberId,
        clientId: r.clientId,
        subscriptionUserData: r.userData,
        partitions: assignment!.partitions,
        assignmentUserData: assignment!.userData,
      })),
    };
    this.#transition('stable');
    for (const member of members) member.registration.wake();
  }

  #partitionsPerTopic(members: readonly Member[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const topic of new Set(members.flatMap((m) => m.registration.topics))) {
      const count = this.#dependencies.partitionCount(topic);
      if (count !== undefined) counts.set(topic, count);
    }
    return counts;
  }

  #transition(to: GroupState): void {
    if (!TRANSITIONS[this.#state].includes(to)) {
      throw new IllegalStateError(`group "${this.groupId}": illegal transition ${this.#state} → ${to}`);
    }
    this.#dependencies.logger().debug(
      { service: 'group-coordinator', groupId: this.groupId, from: this.#state, to, generationId: this.#generationId },
      'group state',
    );
    if (this.#state === 'preparingRebalance') {
      this.#deadline?.abort();
      this.#deadline = null;
    }
    if (to === 'empty' || to === 'dead') this.#snapshot = { groupId: this.groupId, members: [] };
    this.#state = to;
  }
}
