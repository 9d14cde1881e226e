// The default partition assignor of both drivers: every partition of every subscribed topic,
// dealt round-robin over the members that subscribe to it, in sorted order (deterministic).

import type { Assignor, AssignmentInput, MemberAssignment, TopicPartition } from './types.js';

const EMPTY = Buffer.alloc(0);

export const roundRobinAssignor: Assignor = {
  name: 'streamd-roundrobin',
  version: 0,
  subscriptionUserData: () => EMPTY,
  assign({ members, partitionsPerTopic }: AssignmentInput): ReadonlyMap<string, MemberAssignment> {
    const sorted = [...members].sort((a, b) => a.memberId.localeCompare(b.memberId));
    const owned = new Map<string, TopicPartition[]>(sorted.map((m) => [m.memberId, []]));
    const topics = [...new Set(sorted.flatMap((m) => m.topics))].sort();
    let turn = 0;
    for (const topic of topics) {
      const count = partitionsPerTopic.get(topic) ?? 0;
      const subscribers = sorted.filter((m) => m.topics.includes(topic));
      if (subscribers.length === 0) continue;
      for (let partition = 0; partition < count; partition++) {
        const member = subscribers[turn++ % subscribers.length]!;
        owned.get(member.memberId)!.push({ topic, partition });
      }
    }
    return new Map([...owned].map(([memberId, partitions]) => [memberId, { partitions, userData: EMPTY }]));
  },
};
