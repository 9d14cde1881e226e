// Numbers the units of assignment: a unit is partition N of one co-partition group (partition N of
// every topic in it), the thing placed on a member as a whole. Used by the placement steps.

import type { TopicPartition } from '../kafka/index.js';
import type { PlannedGroup } from './copartition-plan.js';

/** Every unit of one round, numbered group by group, partition by partition. */
export class UnitTable {
  readonly groups: readonly PlannedGroup[];
  /** Unit number of partition 0 of each group. */
  readonly #firstUnit: number[] = [];
  readonly #groupOfUnit: number[] = [];
  readonly #groupOfTopic = new Map<string, number>();
  /** For each group, the set of members that may own its units. */
  readonly #eligible: ReadonlySet<number>[];

  constructor(groups: readonly PlannedGroup[]) {
    this.groups = groups;
    groups.forEach((group, index) => {
      this.#firstUnit.push(this.#groupOfUnit.length);
      for (let partition = 0; partition < group.partitions; partition++) this.#groupOfUnit.push(index);
      for (const topic of group.allTopics) this.#groupOfTopic.set(topic, index);
    });
    this.#eligible = groups.map((group) => new Set(group.eligible));
  }

  get size(): number {
    return this.#groupOfUnit.length;
  }

  groupOf(unit: number): number {
    return this.#groupOfUnit[unit]!;
  }

  partitionOf(unit: number): number {
    return unit - this.#firstUnit[this.groupOf(unit)]!;
  }

  unit(group: number, partition: number): number {
    return this.#firstUnit[group]! + partition;
  }

  /** The unit holding `topic`'s partition, if the topic is in a group and the partition exists. */
  unitOf({ topic, partition }: TopicPartition): number | undefined {
    const group = this.#groupOfTopic.get(topic);
    if (group === undefined || !Number.isInteger(partition) || partition < 0 || partition >= this.groups[group]!.partitions) return undefined;
    return this.unit(group, partition);
  }

  isEligible(member: number, group: number): boolean {
    return this.#eligible[group]!.has(member);
  }
}

/** How warm each member's local state is for each unit: the highest changelog offset it holds. */
export class Warmth {
  readonly #byMember: Map<number, bigint>[];

  constructor(units: UnitTable, localStates: readonly (readonly { readonly topic: string; readonly partition: number; readonly offset?: bigint }[])[]) {
    this.#byMember = localStates.map((local) => {
      const warm = new Map<number, bigint>();
      for (const entry of local) {
        const unit = units.unitOf(entry);
        if (unit === undefined) continue;
        const offset = entry.offset ?? 0n;
        const known = warm.get(unit);
        if (known === undefined || offset > known) warm.set(unit, offset);
      }
      return warm;
    });
  }

  /** -1 when `member` holds nothing of `unit`; otherwise its best offset (0 when unknown). */
  of(member: number, unit: number): bigint {
    return this.#byMember[member]?.get(unit) ?? -1n;
  }
}

/** Orders bigints for sort comparators: negative when a < b. */
export function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
