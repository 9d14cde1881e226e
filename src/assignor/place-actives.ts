// Places each unit (partition N of a co-partition group) on one member: keep what members owned
// before, give the rest to the least loaded, then move units until loads are balanced. Called by
// assignPartitions; pure.

import { compareBigint, type UnitTable, type Warmth } from './unit-table.js';

export interface ActivePlacementInput {
  readonly units: UnitTable;
  readonly memberCount: number;
  /** For each member, the units it owned in the previous generation. */
  readonly claims: readonly ReadonlySet<number>[];
  readonly warmth: Warmth;
}

/** Running load of every member: units in total and per group. */
class Loads {
  readonly owner: number[];
  readonly totals: number[];
  readonly #perGroup: number[][];

  constructor(
    private readonly units: UnitTable,
    memberCount: number,
  ) {
    this.owner = new Array<number>(units.size).fill(-1);
    this.totals = new Array<number>(memberCount).fill(0);
    this.#perGroup = Array.from({ length: memberCount }, () => new Array<number>(units.groups.length).fill(0));
  }

  inGroup(member: number, group: number): number {
    return this.#perGroup[member]![group]!;
  }

  give(unit: number, member: number): void {
    const previous = this.owner[unit]!;
    const group = this.units.groupOf(unit);
    if (previous >= 0) {
      this.totals[previous]! -= 1;
      this.#perGroup[previous]![group]! -= 1;
    }
    this.owner[unit] = member;
    this.totals[member]! += 1;
    this.#perGroup[member]![group]! += 1;
  }

  /** Whether `from` owns a unit `to` may own. */
  canMove(from: number, to: number): boolean {
    return this.units.groups.some((_, group) => this.inGroup(from, group) > 0 && this.units.isEligible(to, group));
  }
}

/** Step 1: a unit claimed by exactly one eligible member stays with it (two claimants: neither keeps it). */
function keepPreviousOwners({ units, claims }: ActivePlacementInput, loads: Loads, isKept: boolean[]): void {
  const claimants = new Map<number, number[]>();
  claims.forEach((claimed, member) => {
    for (const unit of claimed) {
      if (!units.isEligible(member, units.groupOf(unit))) continue;
      const list = claimants.get(unit);
      if (list === undefined) claimants.set(unit, [member]);
      else list.push(member);
    }
  });
  for (const [unit, list] of claimants) {
    if (list.length !== 1) continue;
    loads.give(unit, list[0]!);
    isKept[unit] = true;
  }
}

/** Step 2: every unowned unit goes to the eligible member with the fewest units, then fewest of its group, then the warmest. */
function fillUnowned({ units, warmth }: ActivePlacementInput, loads: Loads): void {
  for (let unit = 0; unit < units.size; unit++) {
    if (loads.owner[unit]! >= 0) continue;
    const group = units.groupOf(unit);
    let best = -1;
    for (const member of units.groups[group]!.eligible) {
      if (best < 0) {
        best = member;
        continue;
      }
      const order =
        loads.totals[member]! - loads.totals[best]! ||
        loads.inGroup(member, group) - loads.inGroup(best, group) ||
        compareBigint(warmth.of(best, unit), warmth.of(member, unit));
      if (order < 0) best = member;
    }
    if (best >= 0) loads.give(unit, best);
  }
}

/** The pair (most loaded, least loaded) with the largest difference ≥ 2 where a unit can move. */
function mostUnbalancedPair(loads: Loads, memberCount: number): [number, number] | undefined {
  const order = Array.from({ length: memberCount }, (_, member) => member).sort((a, b) => loads.totals[a]! - loads.totals[b]! || a - b);
  let best: [number, number] | undefined;
  let bestDifference = 1;
  for (let i = order.length - 1; i >= 0; i--) {
    const from = order[i]!;
    if (loads.totals[from]! - loads.totals[order[0]!]! <= bestDifference) break;
    for (const to of order) {
      const difference = loads.totals[from]! - loads.totals[to]!;
      if (difference <= bestDifference) break;
      if (loads.canMove(from, to)) {
        best = [from, to];
        bestDifference = difference;
        break;
      }
    }
  }
  return best;
}

/**
 * The unit `from` gives up to `to`: one placed this round before one it kept (stickiness), one `to`
 * holds warm, one of the group where `from` has most more than `to` (spread), the highest number.
 */
function unitToMove({ units, warmth }: ActivePlacementInput, loads: Loads, isKept: boolean[], from: number, to: number): number {
  let best = -1;
  for (let unit = units.size - 1; unit >= 0; unit--) {
    const group = units.groupOf(unit);
    if (loads.owner[unit] !== from || !units.isEligible(to, group)) continue;
    if (best < 0) {
      best = unit;
      continue;
    }
    const bestGroup = units.groupOf(best);
    const order =
      Number(isKept[unit]) - Number(isKept[best]) ||
      compareBigint(warmth.of(to, best), warmth.of(to, unit)) ||
      loads.inGroup(to, group) - loads.inGroup(from, group) - (loads.inGroup(to, bestGroup) - loads.inGroup(from, bestGroup));
    if (order < 0) best = unit;
  }
  return best;
}

/**
 * The owner (member index) of every unit, -1 where no member may own it. Afterwards no member has
 * two units more than another member that could take one of them; members that subscribe to the
 * same topics therefore differ by at most one unit. Each move strictly lowers the sum of squared
 * loads, so the balancing loop ends; a moved unit never moves again in the same round.
 */
export function placeActives(input: ActivePlacementInput): readonly number[] {
  const loads = new Loads(input.units, input.memberCount);
  const isKept = new Array<boolean>(input.units.size).fill(false);
  keepPreviousOwners(input, loads, isKept);
  fillUnowned(input, loads);
  for (let pair = mostUnbalancedPair(loads, input.memberCount); pair !== undefined; pair = mostUnbalancedPair(loads, input.memberCount)) {
    const [from, to] = pair;
    const unit = unitToMove(input, loads, isKept, from, to);
    loads.give(unit, to);
    isKept[unit] = false;
  }
  return loads.owner;
}
