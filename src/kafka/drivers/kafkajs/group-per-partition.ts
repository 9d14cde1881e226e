// kafkajs 2.2.4 groups a send's messages by partition (src/producer/groupMessagesPerPartition.js)
// by copying the partition's array for every message (`[...current, message]`): quadratic in the
// messages a send has per partition. A send of 10,000 records over 4 partitions copies ~12.5
// million array slots; profiled on the client bench (bench/clients.ts), that grouping and the
// garbage it leaves were over half of kafkajs's produce CPU. This is a linear grouping with the
// same result (partition → messages in call order, the partitioner called once per message in
// order); wire-patches.ts puts it in kafkajs's place before kafkajs loads.

export interface GroupInput<M> {
  readonly topic: string;
  readonly partitionMetadata: readonly unknown[];
  readonly messages: readonly M[];
  readonly partitioner: (args: { topic: string; partitionMetadata: readonly unknown[]; message: M }) => number;
}

/** The messages of one send by partition, each list in call order; `{}` when the topic has no partitions known. */
export function groupMessagesPerPartition<M>({ topic, partitionMetadata, messages, partitioner }: GroupInput<M>): Record<number, M[]> {
  const result: Record<number, M[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (result[partition] ??= []).push(message);
  }
  return result;
}
