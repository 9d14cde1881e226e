// The state of a consumer group as the broker's coordinator reports it (DescribeGroups), read with
// kafkajs's own admin client: the driver port has no use for it, the lifecycle e2e tests do.

import kafkajs from 'kafkajs';

/** What the coordinator says of a group: its state (`Stable`, `PreparingRebalance`, …) and member ids. */
export interface GroupState {
  readonly state: string;
  readonly memberIds: readonly string[];
}

export async function groupState(broker: string, groupId: string): Promise<GroupState> {
  const admin = new kafkajs.Kafka({ brokers: [broker], logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    return { state: group?.state ?? 'Unknown', memberIds: group?.members.map((m) => m.memberId) ?? [] };
  } finally {
    await admin.disconnect();
  }
}
