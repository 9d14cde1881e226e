// Encodes the cluster-wide assignment into each member's assignment userData, and decodes it back.
// Written by assignPartitions on the leader; read by every member (decodeClusterAssignment) from
// the group's assignment, since kafkajs does not hand a member its own assignment userData.
//
// Payload (format version 1), inside the envelope of wire-format.ts — one owner table per group
// rather than partition lists per member, so it stays small as the cluster grows:
//   { "member": "w1-5f…",                                   // the member this copy is for
//     "members": [{ "id": "w1-5f…", "url": "http://w1:6066" }, …],   // sorted by id; url may be null
//     "groups": [{ "topics": ["orders"], "changelogs": ["app-counts-changelog"], "globalChangelogs": [],
//                  "partitions": 4,
//                  "actives": [0, 1, 0, 1],                 // member index per partition; -1 = nobody
//                  "standbys": [[1], [0], [1], [0]],        // member indices per partition (changelogs)
//                  "globalHolders": [] }] }                 // members keeping every global changelog partition
// Every member receives the whole table, so the group's stored assignment grows with members × size:
// keep it well under the broker's message.max.bytes (1 MiB by default).

import type { TopicPartition } from '../kafka/index.js';
import type { ClusterAssignment, ClusterMember, CopartitionGroup } from './types.js';
import { JsonReader, open, seal } from './wire-format.js';

/** One group of an assignment round with its placements, as the encoder takes it. */
export interface AssignedGroup {
  readonly topics: readonly string[];
  readonly changelogs: readonly string[];
  readonly globalChangelogs: readonly string[];
  readonly partitions: number;
  /** Member index of the active owner per partition; -1 = nobody. */
  readonly actives: readonly number[];
  /** Member indices of the standbys per partition. */
  readonly standbys: readonly (readonly number[])[];
  /** Members that keep every partition of the global changelogs they do not own. */
  readonly globalHolders: readonly number[];
}

/** The cluster assignment of one round, before it is addressed to a member. */
export interface ClusterPlan {
  readonly members: readonly { readonly memberId: string; readonly url: string | null }[];
  readonly groups: readonly AssignedGroup[];
}

/** The assignment userData for `memberId`: the whole plan, addressed to it. */
export function encodeClusterAssignment(plan: ClusterPlan, memberId: string): Buffer {
  return seal('assignment', {
    member: memberId,
    members: plan.members.map((m) => ({ id: m.memberId, url: m.url })),
    groups: plan.groups,
  });
}

function memberIndex(reader: JsonReader, memberCount: number, allowNobody: boolean): number {
  const index = reader.integer(allowNobody ? -1 : 0);
  if (index >= memberCount) reader.fail(`a member index below ${memberCount}`);
  return index;
}

function readGroup(reader: JsonReader, memberCount: number): AssignedGroup {
  const partitions = reader.field('partitions').integer(1);
  const perPartition = (name: string): JsonReader[] => {
    const items = reader.field(name).items();
    if (items.length !== partitions) reader.field(name).fail(`an array of ${partitions} entries, one per partition`);
    return items;
  };
  return {
    topics: reader.field('topics').strings(),
    changelogs: reader.field('changelogs').strings(),
    globalChangelogs: reader.field('globalChangelogs').strings(),
    partitions,
    actives: perPartition('actives').map((item) => memberIndex(item, memberCount, true)),
    standbys: perPartition('standbys').map((item) => item.items().map((index) => memberIndex(index, memberCount, false))),
    globalHolders: reader.field('globalHolders').items().map((item) => memberIndex(item, memberCount, false)),
  };
}

function byTopicThenPartition(a: TopicPartition, b: TopicPartition): number {
  return a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1;
}

/**
 * Decodes any member's assignment userData into the cluster assignment. Throws
 * `AssignorProtocolError` for userData that is not a readable version-1 assignment.
 */
export function decodeClusterAssignment(userData: Buffer): ClusterAssignment {
  const root = new JsonReader('assignment', open('assignment', userData));
  const listed = root.field('members').items().map((item) => ({ memberId: item.field('id').string(), url: item.field('url').nullableString() }));
  const groups = root.field('groups').items().map((item) => readGroup(item, listed.length));
  const actives = listed.map((): TopicPartition[] => []);
  const standbys = listed.map((): TopicPartition[] => []);
  for (const group of groups) {
    const owned = [...new Set([...group.topics, ...group.changelogs, ...group.globalChangelogs])];
    for (let partition = 0; partition < group.partitions; partition++) {
      const owner = group.actives[partition]!;
      if (owner >= 0) actives[owner]!.push(...owned.map((topic) => ({ topic, partition })));
      for (const member of group.standbys[partition]!) standbys[member]!.push(...group.changelogs.map((topic) => ({ topic, partition })));
      for (const member of group.globalHolders) {
        if (member !== owner) standbys[member]!.push(...group.globalChangelogs.map((topic) => ({ topic, partition })));
      }
    }
  }
  const members: ClusterMember[] = listed.map((member, index) => ({
    ...member,
    actives: actives[index]!.sort(byTopicThenPartition),
    standbys: standbys[index]!.sort(byTopicThenPartition),
  }));
  const copartitionGroups: CopartitionGroup[] = groups.map(({ topics, changelogs, globalChangelogs }) => ({ topics, changelogs, globalChangelogs }));
  const memberId = root.field('member').string();
  const self = members.find((member) => member.memberId === memberId);
  return { memberId, actives: self?.actives ?? [], standbys: self?.standbys ?? [], members, copartitionGroups };
}
