// The kafkajs#1361 trap, seen from one member: a generation in which this member owns nothing
// while another owns several partitions of one topic. The assignor never plans that (it balances),
// so it means the round ran without this member's subscription: the member must join again.

import type { GroupAssignment } from '../kafka/index.js';

/**
 * True when `memberId` holds no partition (besides `ignoredTopics`, e.g. the leader topic) while
 * another member holds two or more partitions of one topic that `memberId` could have taken.
 */
export function isStarved(group: GroupAssignment, memberId: string, ignoredTopics: readonly string[] = []): boolean {
  const ignored = new Set(ignoredTopics);
  const me = group.members.find((m) => m.memberId === memberId);
  if (me === undefined) return false;
  if (me.partitions.some((tp) => !ignored.has(tp.topic))) return false;
  return group.members.some((member) => {
    if (member.memberId === memberId) return false;
    const perTopic = new Map<string, number>();
    for (const { topic } of member.partitions) if (!ignored.has(topic)) perTopic.set(topic, (perTopic.get(topic) ?? 0) + 1);
    return [...perTopic.values()].some((n) => n >= 2);
  });
}
