// What a worker does when the group hands it partitions: who leads, the cluster assignment (which
// table partitions this worker owns, actively or as a standby), fencing under exactly_once, and
// recovery before the partitions resume. A newer assignment supersedes an older one's steps.

import type { Logger } from 'pino';
import { decodeClusterAssignment, isStarved, type ClusterAssignment } from '../assignor/index.js';
import type { AssignedEvent, TopicPartition } from '../kafka/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import type { StreamSource } from '../streams/index.js';
import type { Tables } from '../tables/index.js';
import type { ExactlyOnce } from './eos/index.js';
import type { MemberRecord } from './member-record.js';

export interface AssignmentStepsParts {
  readonly log: Logger;
  readonly metrics: WorkerMetrics;
  readonly leaderTopic: string;
  readonly tables: Tables | undefined;
  readonly eos: ExactlyOnce | undefined;
  /** Undefined on the embedded broker: its groups die with the process, leaving no member behind. */
  readonly member: MemberRecord | undefined;
  /** The consumer (built after this object, with the service tree). */
  readonly source: () => StreamSource;
}

export class AssignmentSteps {
  readonly #parts: AssignmentStepsParts;
  /** The latest generation's cluster assignment (tables only): who owns which table partition. */
  #cluster: ClusterAssignment | undefined;
  #previousActives: readonly TopicPartition[] = [];
  #isLeader = false;
  #rejoins = 0;
  /** Assignments seen so far: tells a superseded assignment's steps (fencing, tables, offsets) not to run. */
  #assignments = 0;

  constructor(parts: AssignmentStepsParts) {
    this.#parts = parts;
  }

  get cluster(): ClusterAssignment | undefined {
    return this.#cluster;
  }

  /** The partitions this worker held last (the assignor keeps them where it can: sticky). */
  get previousActives(): readonly TopicPartition[] {
    return this.#previousActives;
  }

  /** True while this worker owns the leader topic's partition. */
  get isLeader(): boolean {
    return this.#isLeader;
  }

  /** On each assignment: who leads, and (with tables) recovery before the partitions resume. */
  onAssigned(event: AssignedEvent): Promise<void> | undefined {
    const { log, metrics, leaderTopic, tables, eos, member, source } = this.#parts;
    member?.remember(event.memberId);
    const isLeader = event.partitions.some((tp) => tp.topic === leaderTopic);
    if (isLeader !== this.#isLeader) log.info({ memberId: event.memberId }, isLeader ? 'this worker is now the leader' : 'this worker is no longer the leader');
    this.#isLeader = isLeader;
    metrics.leader(isLeader);
    this.#previousActives = event.partitions;
    if (event.partitions.every((tp) => tp.topic === leaderTopic)) this.#checkStarved(event);
    if (tables === undefined && eos === undefined) return undefined;
    const inputs = event.partitions.filter((tp) => tp.topic !== leaderTopic);
    // A newer assignment supersedes this one: its steps must not run after the newer one's (a late
    // tables.assigned, after #clusterAssignment's retries, would take the newer assignment's table
    // partitions away while it processes: handler errors, acked events, lost counts).
    const assignment = ++this.#assignments;
    const isSuperseded = (): boolean => assignment !== this.#assignments;
    const skipping = (): void => log.debug({ memberId: event.memberId }, 'a newer assignment arrived while this one was read; skipping its steps');
    return (async () => {
      if (eos !== undefined) {
        await source().whenCommitted();
        if (isSuperseded()) return skipping();
        await eos.fence(inputs);
      }
      if (tables !== undefined) {
        const cluster = await this.#clusterAssignment(event);
        if (isSuperseded()) return skipping();
        this.#cluster = cluster;
        this.#previousActives = [...event.partitions, ...cluster.actives.filter((tp) => !event.partitions.some((p) => p.topic === tp.topic && p.partition === tp.partition))];
        await tables.assigned(cluster, () => source().whenCommitted());
      }
      if (eos !== undefined && !isSuperseded()) await source().skipCommitted(inputs);
    })();
  }

  /** Rejoins (at most 3 times in a row) when the group left this worker idle beside busy members. */
  #checkStarved(event: AssignedEvent): void {
    const { log, leaderTopic } = this.#parts;
    const source = this.#parts.source();
    void source
      .groupAssignment()
      .then((group) => {
        if (!isStarved(group, event.memberId, [leaderTopic])) {
          this.#rejoins = 0;
          return;
        }
        if (this.#rejoins >= 3) {
          log.warn({ memberId: event.memberId }, 'this worker has no partitions while others hold several, after 3 rejoins; staying idle until the next rebalance');
          return;
        }
        this.#rejoins += 1;
        return source.rejoin('the group assigned this worker nothing while other workers hold several partitions (kafkajs#1361)');
      })
      .catch((err: unknown) => log.debug({ err }, 'could not check the assignment for an idle member'));
  }

  /**
   * This member's part of the cluster assignment, from the group's description. When the group
   * cannot describe this member (it is rebalancing again), the table partitions are derived from
   * the member's own partitions (co-partitioning), without standbys, so processing never waits on
   * a description that may not come.
   */
  async #clusterAssignment(event: AssignedEvent): Promise<ClusterAssignment> {
    const { log, tables } = this.#parts;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const group = await this.#parts.source().groupAssignment();
        const me = group.members.find((m) => m.memberId === event.memberId);
        if (me !== undefined) return decodeClusterAssignment(me.assignmentUserData);
      } catch (err) {
        log.debug({ err }, 'could not describe the group');
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt).unref());
    }
    log.warn({ memberId: event.memberId }, 'the group does not describe this worker (it is rebalancing): taking the table partitions of its own partitions, without standbys');
    const actives = tables?.changelogPartitionsOf(event.partitions) ?? [];
    return { memberId: event.memberId, actives, standbys: [], members: [], copartitionGroups: [] };
  }
}
