// Turns what the members announce into the co-partition groups of one assignment round: merges the
// groups every member declares, adds a group of its own for every other subscribed topic, checks
// partition counts and picks the members that may own each group. Called by assignPartitions.

import type { CopartitionGroup } from './types.js';
import { CopartitionMismatchError } from './errors.js';

/** A member as planning sees it. */
export interface PlanningMember {
  readonly topics: ReadonlySet<string>;
  readonly copartitionGroups: readonly CopartitionGroup[];
}

/** A co-partition group ready to be assigned: partition N of every topic goes to one member. */
export interface PlannedGroup {
  /** Consumed topics, sorted; disjoint from the changelogs. */
  readonly topics: readonly string[];
  readonly changelogs: readonly string[];
  readonly globalChangelogs: readonly string[];
  /** Every topic of the group, sorted. */
  readonly allTopics: readonly string[];
  readonly partitions: number;
  /** Indices of the members that may own the group's partitions, ascending. */
  readonly eligible: readonly number[];
}

type Role = 'topic' | 'changelog' | 'global';
const ROLE_RANK: Readonly<Record<Role, number>> = { topic: 0, changelog: 1, global: 2 };

/** Union-find over topic names: topics declared in one group end up in one set. */
class TopicSets {
  readonly #parent = new Map<string, string>();
  readonly role = new Map<string, Role>();

  add(topic: string, role: Role): void {
    if (!this.#parent.has(topic)) this.#parent.set(topic, topic);
    const known = this.role.get(topic);
    // A topic some member calls a (global) changelog is one, whatever older members say.
    if (known === undefined || ROLE_RANK[role] > ROLE_RANK[known]) this.role.set(topic, role);
  }

  find(topic: string): string {
    let root = topic;
    while (this.#parent.get(root) !== root) root = this.#parent.get(root)!;
    this.#parent.set(topic, root);
    return root;
  }

  union(a: string, b: string): void {
    const [rootA, rootB] = [this.find(a), this.find(b)];
    if (rootA !== rootB) this.#parent.set(rootA < rootB ? rootB : rootA, rootA < rootB ? rootA : rootB);
  }

  components(): string[][] {
    const byRoot = new Map<string, string[]>();
    for (const topic of [...this.#parent.keys()].sort()) {
      const root = this.find(topic);
      const members = byRoot.get(root);
      if (members === undefined) byRoot.set(root, [topic]);
      else members.push(topic);
    }
    return [...byRoot.values()].sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
  }
}

/**
 * The members allowed to own a group: those that subscribe to every subscribed topic of it. When
 * none does (a rolling deploy that moved a table to another source), the largest set of members
 * that subscribe to the same part of it, so the group keeps being processed; the topics they do
 * not subscribe stay unassigned until the deploy completes.
 */
function eligibleMembers(members: readonly PlanningMember[], needed: readonly string[]): number[] {
  const full = members.flatMap((member, index) => (needed.every((t) => member.topics.has(t)) ? [index] : []));
  if (full.length > 0) return full;
  const bySubset = new Map<string, number[]>();
  members.forEach((member, index) => {
    const key = needed.filter((t) => member.topics.has(t)).join('\u0000');
    if (key === '') return;
    const list = bySubset.get(key);
    if (list === undefined) bySubset.set(key, [index]);
    else list.push(index);
  });
  const ranked = [...bySubset.entries()].sort(
    ([keyA, a], [keyB, b]) => b.length - a.length || keyB.split('\u0000').length - keyA.split('\u0000').length || (keyA < keyB ? -1 : 1),
  );
  return ranked[0]?.[1] ?? [];
}

function checkedPartitionCount(topics: readonly string[], partitionsPerTopic: ReadonlyMap<string, number>): number {
  const known = topics.filter((t) => (partitionsPerTopic.get(t) ?? 0) > 0);
  const counts = new Set(known.map((t) => partitionsPerTopic.get(t)!));
  if (counts.size > 1) {
    throw new CopartitionMismatchError(Object.fromEntries(known.map((t) => [t, partitionsPerTopic.get(t)!])));
  }
  return counts.values().next().value ?? 0;
}

/**
 * The groups of one round, sorted by their first topic. Groups with no subscribed topic or no
 * known partition count (topics that do not exist yet) are left out. Throws
 * `CopartitionMismatchError` when the topics of one group have different partition counts.
 */
export function planCopartitionGroups(members: readonly PlanningMember[], partitionsPerTopic: ReadonlyMap<string, number>): PlannedGroup[] {
  const sets = new TopicSets();
  const subscribed = new Set(members.flatMap((member) => [...member.topics]));
  for (const topic of subscribed) sets.add(topic, 'topic');
  for (const group of members.flatMap((member) => member.copartitionGroups)) {
    const declared: [string, Role][] = [
      ...group.topics.map((t): [string, Role] => [t, 'topic']),
      ...(group.changelogs ?? []).map((t): [string, Role] => [t, 'changelog']),
      ...(group.globalChangelogs ?? []).map((t): [string, Role] => [t, 'global']),
    ];
    for (const [topic, role] of declared) sets.add(topic, role);
    for (const [topic] of declared.slice(1)) sets.union(declared[0]![0], topic);
  }
  const planned: PlannedGroup[] = [];
  for (const allTopics of sets.components()) {
    const needed = allTopics.filter((t) => subscribed.has(t));
    if (needed.length === 0) continue;
    const partitions = checkedPartitionCount(allTopics, partitionsPerTopic);
    if (partitions === 0) continue;
    planned.push({
      topics: allTopics.filter((t) => sets.role.get(t) === 'topic'),
      changelogs: allTopics.filter((t) => sets.role.get(t) === 'changelog'),
      globalChangelogs: allTopics.filter((t) => sets.role.get(t) === 'global'),
      allTopics,
      partitions,
      eligible: eligibleMembers(members, needed),
    });
  }
  return planned;
}
