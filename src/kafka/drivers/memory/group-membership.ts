// GroupMembership: one memory consumer's side of the group protocol — its member id, the generation
// it holds, and the join / revoke / rejoin steps that follow its status at the GroupCoordinator.
// MemoryConsumer owns one and calls sync() from its fetch loop.

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { RebalanceInProgressError } from '../../../errors/index.js';
import type { JoinHold } from '../../join-hold.js';
import type { Assignor, AssignedEvent, TopicPartition } from '../../types.js';
import type { FetchPositions } from './fetch-positions.js';
import type { GroupCoordinator, MemberRegistration } from './group-coordinator.js';

/** What a member announces and how the coordinator reaches it. */
export interface MembershipOptions {
  readonly clientId: string;
  readonly assignor: Assignor;
  readonly rebalanceTimeoutMs: number;
  /** Wakes the member's fetch loop. */
  readonly wake: () => void;
  readonly logger: Logger;
  /** The member took an assignment (its positions are set). */
  readonly onAssigned: (event: AssignedEvent) => void;
  /** The member gave an assignment up, before rejoining. */
  readonly onRevoked: () => void;
  /** Holds a rejoin after a revoke until the revoke's work settles (RebalancingEvent). */
  readonly joinHold: JoinHold;
}

/** Where the member stands after sync(): fetching, waiting for others, or just acted (look again). */
export type MembershipStep = 'assigned' | 'waiting' | 'changed';

export class GroupMembership {
  readonly #group: GroupCoordinator;
  readonly #positions: FetchPositions;
  readonly #options: MembershipOptions;
  #topics: readonly string[] = [];
  #memberId: string | null = null;
  /** The generation whose assignment this member holds; -1 when it holds none. */
  #generationId = -1;
  /** After a revoke, until the JoinHold lets the member rejoin: whether it may now. */
  #rejoin: { isReady: boolean } | undefined;

  constructor(group: GroupCoordinator, positions: FetchPositions, options: MembershipOptions) {
    this.#group = group;
    this.#positions = positions;
    this.#options = options;
  }

  get topics(): readonly string[] {
    return this.#topics;
  }

  /** Changes the subscription; a member in the group rejoins with it. */
  subscribe(topics: readonly string[]): void {
    this.#topics = topics;
    if (this.#memberId !== null) this.#group.requestRebalance();
  }

  /** Brings this member in line with the group: joins, revokes and rejoins, or takes a new assignment. */
  sync(): MembershipStep {
    if (this.#memberId === null) return this.#join();
    const status = this.#group.status(this.#memberId);
    switch (status.kind) {
      case 'failed':
        throw status.error;
      case 'unknown':
        // Evicted for missing a rebalance deadline (a slow batch): rejoin as a new member, as kafkajs
        // does. Its partitions may be others' already: nothing waits for a revoke commit.
        this.#options.logger.warn({ memberId: this.#memberId }, 'removed from the group by its coordinator: rejoining');
        this.#revoke();
        this.#rejoin = undefined;
        void this.#options.joinHold.release();
        return this.#join();
      case 'mustRejoin':
        return this.#rejoinAfterHold(this.#memberId);
      case 'awaitingAssignment':
        return 'waiting';
      case 'assigned':
        if (status.generationId !== this.#generationId) this.#assign(status.generationId, status.isLeader, status.partitions);
        return 'assigned';
    }
  }

  /** This member holds the group's current generation, with no rebalance pending. */
  isCurrent(): boolean {
    if (this.#memberId === null) return false;
    const status = this.#group.status(this.#memberId);
    return status.kind === 'assigned' && status.generationId === this.#generationId;
  }

  /** Rejects with STREAMD_REBALANCE_IN_PROGRESS unless this member may commit these partitions. */
  checkCommit(partitions: readonly TopicPartition[]): void {
    if (this.#memberId === null) throw new RebalanceInProgressError('this consumer has left its group: its partitions belong to others');
    this.#group.checkCommit(this.#memberId, partitions);
  }

  /** Asks the group to rebalance, as kafkajs rejoins after a rebalance error in the handler. */
  rejoinIfCurrent(): void {
    if (this.isCurrent()) this.#group.requestRebalance();
  }

  /** Leaves the group, silently giving the assignment up. Idempotent. */
  leave(): void {
    if (this.#memberId === null) return;
    this.#dropAssignment();
    this.#group.leave(this.#memberId);
    this.#memberId = null;
  }

  #join(): MembershipStep {
    this.#memberId = `${this.#options.clientId}-${randomUUID()}`;
    this.#group.join(this.#registration(this.#memberId));
    return 'changed';
  }

  #registration(memberId: string): MemberRegistration {
    return {
      memberId,
      clientId: this.#options.clientId,
      topics: this.#topics,
      userData: this.#options.assignor.subscriptionUserData(),
      assignor: this.#options.assignor,
      rebalanceTimeoutMs: this.#options.rebalanceTimeoutMs,
      wake: this.#options.wake,
    };
  }

  #assign(generationId: number, isLeader: boolean, partitions: readonly TopicPartition[]): void {
    this.#generationId = generationId;
    this.#positions.assign(partitions);
    this.#options.onAssigned({ memberId: this.#memberId!, isLeader, partitions: this.#positions.assigned() });
  }

  /**
   * Revokes, then rejoins once the JoinHold lets go: the group cannot finish the rebalance without
   * this member, so the revoke commit lands before anyone else gets its partitions.
   */
  #rejoinAfterHold(memberId: string): MembershipStep {
    if (this.#rejoin === undefined) {
      const rejoin = { isReady: false };
      this.#rejoin = rejoin;
      this.#revoke();
      void this.#options.joinHold.release().then(() => {
        rejoin.isReady = true;
        this.#options.wake();
      });
    }
    if (!this.#rejoin.isReady) return 'waiting';
    this.#rejoin = undefined;
    this.#group.rejoin(this.#registration(memberId));
    return 'changed';
  }

  #revoke(): void {
    if (this.#dropAssignment()) this.#options.onRevoked();
  }

  /** True when there was an assignment to drop. */
  #dropAssignment(): boolean {
    const hadAssignment = this.#generationId !== -1;
    this.#generationId = -1;
    this.#positions.revoke();
    return hadAssignment;
  }
}
