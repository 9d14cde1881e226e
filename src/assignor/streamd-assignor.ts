// streamd's partition assignor behind the Kafka driver port: announces this member's URL, groups,
// previous actives and local state, and (on the leader) runs assignPartitions. Built by the worker.

import { ConfigError } from '../errors/index.js';
import type { AssignmentInput, Assignor, MemberAssignment, TopicPartition } from '../kafka/index.js';
import { assignPartitions } from './assign-partitions.js';
import { encodeSubscription } from './subscription-codec.js';
import type { CopartitionGroup, LocalPartition } from './types.js';
import { USER_DATA_VERSION } from './wire-format.js';

export interface StreamdAssignorOptions {
  /** This member's web URL, published so other members can route table queries to it. */
  readonly url: string;
  /**
   * Default 1: standby copies per table partition on other members. Too low (0): a failover
   * restores the table from the changelog before processing resumes; too high: every member
   * consumes and stores that many more changelogs. Clamped to the number of other members.
   */
  readonly standbyReplicas?: number;
  /** The co-partition groups of this member's manifest. */
  readonly copartitionGroups?: readonly CopartitionGroup[];
  /** Table partitions in this member's local stores, read at every join. Default: none. */
  readonly localState?: () => readonly LocalPartition[];
  /**
   * This member's active partitions of the generation it last took part in, read at every join
   * (the worker keeps them past the revoke). Default: none, which gives up stickiness.
   */
  readonly previousActives?: () => readonly TopicPartition[];
}

/** The name members announce; every member of a group must use the same assignor. */
export const STREAMD_ASSIGNOR_NAME = 'streamd';

/** The `Assignor` the worker hands to its consumer. */
export class StreamdAssignor implements Assignor {
  readonly name = STREAMD_ASSIGNOR_NAME;
  readonly version = USER_DATA_VERSION;
  readonly #options: StreamdAssignorOptions;
  readonly #standbyReplicas: number;

  /** Throws `ConfigError` for an empty URL or a standby count that is not a whole number ≥ 0. */
  constructor(options: StreamdAssignorOptions) {
    if (options.url.trim() === '') throw new ConfigError('assignor: the member\'s web URL is empty; set the worker\'s canonical URL');
    const standbyReplicas = options.standbyReplicas ?? 1;
    if (!Number.isSafeInteger(standbyReplicas) || standbyReplicas < 0) {
      throw new ConfigError(`assignor: standbyReplicas must be a whole number ≥ 0, got ${String(standbyReplicas)}`);
    }
    this.#options = options;
    this.#standbyReplicas = standbyReplicas;
  }

  subscriptionUserData(): Buffer {
    return encodeSubscription({
      url: this.#options.url,
      copartitionGroups: this.#options.copartitionGroups ?? [],
      previousActives: this.#options.previousActives?.() ?? [],
      localState: this.#options.localState?.() ?? [],
    });
  }

  /** Runs on the leader: see assignPartitions. Throws `CopartitionMismatchError` on mismatched counts. */
  assign(input: AssignmentInput): ReadonlyMap<string, MemberAssignment> {
    return assignPartitions(input, { standbyReplicas: this.#standbyReplicas });
  }
}
