// Adapts a streamd `Assignor` to kafkajs's PartitionAssigner, and decodes the group's
// assignment for `groupAssignment()` (kafkajs drops assignment userData on the receiving member).

import type { GroupDescription, PartitionAssigner } from 'kafkajs';
import { AssignerProtocol } from './kafkajs.js';
import type { Assignor, GroupAssignment, GroupMember, TopicPartition } from '../../types.js';

const EMPTY = Buffer.alloc(0);

function byTopic(partitions: readonly TopicPartition[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const { topic, partition } of partitions) (out[topic] ??= []).push(partition);
  return out;
}

function fromByTopic(assignment: Record<string, number[]>): TopicPartition[] {
  return Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
}

export function toPartitionAssigner(assignor: Assignor): PartitionAssigner {
  return ({ cluster }) => ({
    name: assignor.name,
    version: assignor.version,
    protocol: ({ topics }) => ({
      name: assignor.name,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: assignor.version, topics, userData: assignor.subscriptionUserData() }),
    }),
    assign: ({ members, topics }) => {
      const decoded: GroupMember[] = members.map(({ memberId, memberMetadata }) => {
        const metadata = AssignerProtocol.MemberMetadata.decode(memberMetadata);
        return { memberId, topics: metadata?.topics ?? [], userData: metadata?.userData ?? EMPTY };
      });
      const partitionsPerTopic = new Map(topics.map((topic) => [topic, cluster.findTopicPartitionMetadata(topic).length]));
      const result = assignor.assign({ members: decoded, partitionsPerTopic });
      return Promise.resolve(
        members.map(({ memberId }) => {
          const given = result.get(memberId);
          return {
            memberId,
            memberAssignment: AssignerProtocol.MemberAssignment.encode({
              version: assignor.version,
              assignment: byTopic(given?.partitions ?? []),
              userData: given?.userData ?? EMPTY,
            }),
          };
        }),
      );
    },
  });
}

/** Every member's subscription and assignment, decoded from a DescribeGroups answer. */
export function toGroupAssignment(description: GroupDescription): GroupAssignment {
  return {
    groupId: description.groupId,
    members: description.members.map((member) => {
      const metadata = member.memberMetadata.length > 0 ? AssignerProtocol.MemberMetadata.decode(member.memberMetadata) : null;
      const assignment = member.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(member.memberAssignment) : null;
      return {
        memberId: member.memberId,
        clientId: member.clientId,
        subscriptionUserData: metadata?.userData ?? EMPTY,
        partitions: fromByTopic(assignment?.assignment ?? {}),
        assignmentUserData: assignment?.userData ?? EMPTY,
      };
    }),
  };
}
