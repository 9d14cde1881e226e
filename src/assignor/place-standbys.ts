// Places standby replicas of table partitions: for each unit of a group with changelogs, up to
// `replicas` members other than the active owner, preferring members that hold it warm, spread
// evenly. Called by assignPartitions after placeActives; pure.

import type { PlannedGroup } from './copartition-plan.js';
import { compareBigint, type UnitTable, type Warmth } from './unit-table.js';

export interface StandbyPlacementInput {
  readonly units: UnitTable;
  readonly memberCount: number;
  /** The active owner of each unit, from placeActives. */
  readonly owner: readonly number[];
  readonly warmth: Warmth;
  /** Standby copies wanted per table partition. */
  readonly replicas: number;
}

/** The standbys of one group while they are placed. */
class GroupStandbys {
  /** Standby members per partition. */
  readonly holders: number[][];
  readonly count = new Map<number, number>();
  readonly #limit = new Map<number, number>();

  constructor(
    readonly group: PlannedGroup,
    /** Active owner per partition. */
    readonly owners: readonly number[],
    replicas: number,
  ) {
    this.holders = owners.map(() => []);
    // Evenness is about each member's whole share of the group, actives and standbys together.
    const share = Math.ceil((group.partitions * (1 + replicas)) / group.eligible.length);
    for (const member of group.eligible) {
      this.count.set(member, 0);
      this.#limit.set(member, Math.max(0, share - owners.filter((owner) => owner === member).length));
    }
  }

  /** How many standbys of the group `member` may hold. */
  limit(member: number): number {
    return this.#limit.get(member)!;
  }

  isFull(member: number): boolean {
    return this.count.get(member)! >= this.limit(member);
  }

  canHold(member: number, partition: number): boolean {
    return this.owners[partition] !== member && !this.holders[partition]!.includes(member);
  }

  add(member: number, partition: number): void {
    this.holders[partition]!.push(member);
    this.count.set(member, this.count.get(member)! + 1);
  }

  remove(member: number, partition: number): void {
    const list = this.holders[partition]!;
    list.splice(list.indexOf(member), 1);
    this.count.set(member, this.count.get(member)! - 1);
  }

  /** Moves one standby off `over` (above its limit) to a member below its own, directly or through one intermediate. */
  relieve(over: number): boolean {
    const under = this.group.eligible.filter((member) => !this.isFull(member));
    for (let partition = 0; partition < this.holders.length; partition++) {
      if (!this.holders[partition]!.includes(over)) continue;
      const direct = under.find((member) => this.canHold(member, partition));
      if (direct !== undefined) {
        this.remove(over, partition);
        this.add(direct, partition);
        return true;
      }
      // `via` takes this partition from `over` and hands one of its own to a member below the limit.
      for (const via of this.group.eligible) {
        if (via === over || !this.canHold(via, partition)) continue;
        for (let other = 0; other < this.holders.length; other++) {
          if (!this.holders[other]!.includes(via)) continue;
          const taker = under.find((member) => member !== via && this.canHold(member, other));
          if (taker === undefined) continue;
          this.remove(via, other);
          this.add(taker, other);
          this.remove(over, partition);
          this.add(via, partition);
          return true;
        }
      }
    }
    return false;
  }
}

/**
 * For each unit, the members that keep its changelog partitions warm, best first. A group gets
 * min(replicas, eligible members − 1) per unit, never on the active owner and never twice on one
 * member. Within a group, a member's actives plus standbys stay within
 * ceil(partitions × (1 + replicas) / eligible members) — its limit — as long as moving standbys
 * around can achieve it; below the limit warm state decides, then the member with the least room
 * left for the rest of the group, then the member with the fewest standbys overall.
 */
export function placeStandbys({ units, memberCount, owner, warmth, replicas }: StandbyPlacementInput): readonly (readonly number[])[] {
  const standbys: number[][] = Array.from({ length: units.size }, () => []);
  // Standbys per member over the groups placed so far: the last tie-break, to even out across groups.
  const totals = new Array<number>(memberCount).fill(0);
  units.groups.forEach((group, groupIndex) => {
    const perGroupReplicas = Math.min(replicas, group.eligible.length - 1);
    if (group.changelogs.length === 0 || perGroupReplicas <= 0) return;
    const unitOf = (partition: number): number => units.unit(groupIndex, partition);
    const owners = Array.from({ length: group.partitions }, (_, partition) => owner[unitOf(partition)]!);
    const placing = new GroupStandbys(group, owners, perGroupReplicas);
    // Partitions still to place where each member is the active owner (it cannot take those).
    const activesAhead = new Map<number, number>(group.eligible.map((member) => [member, owners.filter((o) => o === member).length]));
    for (let partition = 0; partition < group.partitions; partition++) {
      const unit = unitOf(partition);
      activesAhead.set(owners[partition]!, activesAhead.get(owners[partition]!)! - 1);
      const ahead = group.partitions - partition - 1;
      // Slack: chances left to take a standby minus the room left; the lowest needs this one most.
      const slack = (member: number): number => ahead - activesAhead.get(member)! - (placing.limit(member) - placing.count.get(member)!);
      const ranked = group.eligible
        .filter((member) => placing.canHold(member, partition))
        .sort(
          (a, b) =>
            Number(placing.isFull(a)) - Number(placing.isFull(b)) ||
            compareBigint(warmth.of(b, unit), warmth.of(a, unit)) ||
            slack(a) - slack(b) ||
            totals[a]! - totals[b]! ||
            a - b,
        );
      for (const member of ranked.slice(0, perGroupReplicas)) placing.add(member, partition);
    }
    for (const member of group.eligible) {
      while (placing.count.get(member)! > placing.limit(member) && placing.relieve(member));
    }
    placing.holders.forEach((holders, partition) => {
      standbys[unitOf(partition)]!.push(...holders);
      for (const member of holders) totals[member]! += 1;
    });
  });
  return standbys;
}
