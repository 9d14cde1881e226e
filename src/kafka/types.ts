// The Kafka driver port: streamd's own types for producing, consuming, transactions and admin.
// Everything outside src/kafka/drivers/ talks to Kafka through these interfaces only.

/** One partition of one topic. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/**
 * A partition with an offset. For commits and `sendOffsets` the offset is the *next* offset to
 * read (Kafka's convention); for committed-offset reads, `-1n` means nothing was committed.
 */
export interface TopicPartitionOffset extends TopicPartition {
  readonly offset: bigint;
}

/** Record headers. A header that occurs more than once on the wire keeps its last value. */
export type Headers = Readonly<Record<string, Buffer>>;

/** A record to produce. Without `partition`, the key picks it (murmur2, as Java's producer does). */
export interface ProducerRecord {
  readonly topic: string;
  readonly partition?: number;
  readonly key?: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Headers;
  /** Create time in milliseconds since the epoch; the producer's clock when absent. */
  readonly timestamp?: number;
}

/** Where a produced record landed. */
export interface RecordMetadata extends TopicPartition {
  readonly offset: bigint;
}

/** A record as a consumer receives it. */
export interface ConsumerRecord extends TopicPartition {
  readonly offset: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Headers;
  readonly timestamp: number;
}

/**
 * Consecutive records of one partition, in offset order, as one fetch returned them. `records` may
 * be empty: a fetch that covered only transaction control markers or records of aborted
 * transactions (hidden from read_committed consumers) still moves the consumer's position, and the
 * batch carries that move in `nextOffset`.
 */
export interface RecordBatch extends TopicPartition {
  readonly records: readonly ConsumerRecord[];
  /** The partition's high watermark when the batch was fetched (end offset for read_uncommitted). */
  readonly highWatermark: bigint;
  /**
   * The consumer's position after this batch: the next offset it will fetch, past every control
   * marker and aborted record the batch covered. Not `last record + 1`: a committed transaction's
   * last record is followed by its commit marker, and compaction leaves gaps. A consumer that has
   * handled a batch whose `nextOffset` equals the partition's end offset has read it to the end.
   * Always greater than the offset of every record in `records`.
   */
  readonly nextOffset: bigint;
}

export type Acks = 'all' | 'leader' | 'none';
export type Compression = 'none' | 'gzip';
export type Isolation = 'read_committed' | 'read_uncommitted';

/** Options of a plain (non-transactional) producer. */
export interface ProducerOptions {
  /** Default `all`: a send resolves only when every in-sync replica has the record. */
  readonly acks?: Acks;
  /** Default `none`. kafkajs ships gzip only; other codecs need plugins we do not take. */
  readonly compression?: Compression;
  /** Default true: the broker drops retried duplicates (requires acks=all). */
  readonly idempotent?: boolean;
}

/** Sends records. `send` resolves when the broker has acknowledged every record in the call. */
export interface Producer {
  /**
   * Sends the records, in requests whose batches stay under each topic's `max.message.bytes`;
   * returns each record's offset in input order. Records of one partition land in call order,
   * also when calls overlap.
   */
  send(records: readonly ProducerRecord[]): Promise<RecordMetadata[]>;
  /**
   * The largest record (as `recordBytes` estimates it) a send to `topic` accepts: the topic's
   * `max.message.bytes` less a batch header. A send containing a larger record rejects with code
   * `STREAMD_RECORD_TOO_LARGE` before any of it is sent, and the producer goes on working. Larger
   * sends are split into requests under the limit, so a send of any total size succeeds.
   */
  maxRecordBytes(topic: string): Promise<number>;
  /** Resolves when every send started before the call has settled. */
  flush(): Promise<void>;
  /** Flushes, then disconnects. Idempotent. */
  close(): Promise<void>;
}

/** One open transaction. Exactly one of `commit` or `abort` ends it. */
export interface Transaction {
  send(records: readonly ProducerRecord[]): Promise<RecordMetadata[]>;
  /** Commits `offsets` for `groupId` atomically with the transaction's records. */
  sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * A producer with a transactional id. Creating one fences any earlier producer with the same id:
 * the earlier one's next send, sendOffsets or commit rejects with code `STREAMD_FENCED`.
 */
export interface TransactionalProducer {
  readonly transactionalId: string;
  begin(): Promise<Transaction>;
  close(): Promise<void>;
}

/** What a group member announces when it joins: its topics and the assignor's userData. */
export interface GroupMember {
  readonly memberId: string;
  readonly topics: readonly string[];
  readonly userData: Buffer;
}

/** What the assignor gives one member. */
export interface MemberAssignment {
  readonly partitions: readonly TopicPartition[];
  readonly userData: Buffer;
}

/** The input of an assignment round: every member and the partition count of every topic. */
export interface AssignmentInput {
  readonly members: readonly GroupMember[];
  readonly partitionsPerTopic: ReadonlyMap<string, number>;
}

/**
 * A partition assignor, run by the group leader. Pure: the same input gives the same output.
 * Members with no entry in the result get no partitions.
 */
export interface Assignor {
  readonly name: string;
  readonly version: number;
  /** The userData this member sends with its subscription; called at every join. */
  subscriptionUserData(): Buffer;
  assign(input: AssignmentInput): ReadonlyMap<string, MemberAssignment>;
}

/** One member of a group as every member can see it after a join. */
export interface GroupMemberState {
  readonly memberId: string;
  readonly clientId: string;
  readonly subscriptionUserData: Buffer;
  readonly partitions: readonly TopicPartition[];
  readonly assignmentUserData: Buffer;
}

/** The whole assignment of a group's current generation. */
export interface GroupAssignment {
  readonly groupId: string;
  readonly members: readonly GroupMemberState[];
}

/** Options of a group consumer. Offsets are committed only by explicit `commit` calls. */
export interface ConsumerOptions {
  readonly groupId: string;
  /** Default: the round-robin assignor of src/kafka. */
  readonly assignor?: Assignor;
  /** Default `read_committed`: aborted and open transactional records are never delivered. */
  readonly isolation?: Isolation;
  /** Where a partition with no committed offset starts. Default `earliest`. */
  readonly autoOffsetReset?: 'earliest' | 'latest';
  /**
   * Default 30000. Too low: a slow batch or GC pause evicts the member and forces a rebalance;
   * too high: a dead member holds its partitions that long.
   */
  readonly sessionTimeoutMs?: number;
  /** Default 60000: how long the group waits for members to rejoin during a rebalance. */
  readonly rebalanceTimeoutMs?: number;
  /** Default 3000; must be well under `sessionTimeoutMs`. */
  readonly heartbeatIntervalMs?: number;
  /** Default 1 MiB. Too low: many small fetches; too high: memory per partition in flight. */
  readonly maxBytesPerPartition?: number;
  /** Default 500: how long a fetch waits on the broker for data before returning empty. */
  readonly maxWaitMs?: number;
}

/** Handed to the batch handler: keeps the member alive during long batches. */
export interface BatchContext {
  /** Sends a heartbeat if one is due; rejects with STREAMD_REBALANCE_IN_PROGRESS when rebalancing. */
  heartbeat(): Promise<void>;
  /**
   * False once the consumer is stopping, the batch's partition was revoked, or a seek on the batch's
   * partition came after the batch was fetched (the batch is stale: the position moves to the
   * seek's offset, not to `nextOffset`). See each driver for how exact the staleness test is.
   */
  isRunning(): boolean;
}

export type BatchHandler = (batch: RecordBatch, context: BatchContext) => Promise<void>;

/** Emitted after each successful join. */
export interface AssignedEvent {
  readonly memberId: string;
  readonly isLeader: boolean;
  readonly partitions: readonly TopicPartition[];
}

/**
 * Emitted when a rebalance starts, before the member rejoins: Kafka's eager `onPartitionsRevoked`.
 * The group cannot hand this member's partitions to anyone before it rejoins, so work given to
 * `holdJoin` (the revoke commit: changelog records, then offsets) lands while the partitions are
 * still this member's — a new owner's recovery reads it, instead of a late write landing after the
 * new owner read the changelog's end. The hold is bounded (half the rebalance timeout, so the member
 * still makes the generation); once the member sends its join, `rejoined` is aborted and the old
 * assignment may be another member's: nothing of it may be written after that.
 */
export interface RebalancingEvent {
  holdJoin(work: Promise<unknown>): void;
  readonly rejoined: AbortSignal;
}

export interface ConsumerEvents {
  /** The member has joined a generation and owns `partitions` (possibly none). */
  assigned: [AssignedEvent];
  /** A rebalance started: the current assignment is about to be revoked (see RebalancingEvent). */
  rebalancing: [RebalancingEvent];
  /** The fetch loop failed and will not recover by itself. */
  crashed: [Error];
}

/**
 * A member of a consumer group. Delivery: `run` hands batches to the handler one at a time;
 * after a handler resolves, the member's fetch position is past that batch (at its `nextOffset`,
 * unless a seek came in between). A fetch that covered only control markers or aborted records is
 * handed over as a batch with no records. After a rebalance, positions restart from the committed
 * offsets.
 */
export interface Consumer {
  /**
   * Topics by name, or by a regular expression (Faust's topic pattern): a pattern stands for the
   * topics that match it when `subscribe` runs; a topic created later needs a new member (kafkajs
   * resolves patterns at subscribe time only, and the embedded broker does the same).
   */
  subscribe(topics: readonly (string | RegExp)[]): Promise<void>;
  /** Starts the fetch loop; resolves once it runs. */
  run(handler: BatchHandler): Promise<void>;
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  /** Sets the next offset to fetch for an assigned partition. */
  seek(position: TopicPartitionOffset): void;
  /** Commits the next offsets to read for the given partitions. */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** This member's partitions in the current generation. */
  assignment(): readonly TopicPartition[];
  /** Every member's partitions and userData in the current generation. */
  groupAssignment(): Promise<GroupAssignment>;
  on<E extends keyof ConsumerEvents>(event: E, listener: (...args: ConsumerEvents[E]) => void): this;
  off<E extends keyof ConsumerEvents>(event: E, listener: (...args: ConsumerEvents[E]) => void): this;
  /** Leaves the group and disconnects. Idempotent; a concurrent call shares the same promise. */
  stop(): Promise<void>;
}

/** A topic to create. */
export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  /** Default 1 for single-broker development; production manifests set it. */
  readonly replicationFactor?: number;
  /** Topic configs, e.g. `{ 'cleanup.policy': 'compact' }`. */
  readonly config?: Readonly<Record<string, string>>;
}

export interface TopicDescription {
  readonly topic: string;
  readonly partitions: number;
  /** The topic's explicitly set configs plus `cleanup.policy`. */
  readonly config: Readonly<Record<string, string>>;
}

/** The offsets bounding one partition's log. */
export interface PartitionOffsets {
  readonly partition: number;
  /** Log start offset. */
  readonly earliest: bigint;
  /** Log end offset (high watermark): the offset the next record will get. */
  readonly latest: bigint;
}

export interface Admin {
  /** Creates the topics that do not exist yet; existing topics are left as they are. */
  createTopics(topics: readonly TopicSpec[]): Promise<void>;
  deleteTopics(topics: readonly string[]): Promise<void>;
  listTopics(): Promise<string[]>;
  /** Rejects with code `STREAMD_UNKNOWN_TOPIC` for a topic that does not exist. */
  describeTopics(topics: readonly string[]): Promise<TopicDescription[]>;
  offsets(topic: string): Promise<PartitionOffsets[]>;
  /** Committed offsets of `groupId` for every partition of `topics`; `-1n` where none. */
  committedOffsets(groupId: string, topics: readonly string[]): Promise<TopicPartitionOffset[]>;
  /**
   * Removes members from `groupId` at once, as their own LeaveGroup would: for members of a
   * process that died without leaving (kill -9), so the group rebalances now instead of when
   * their sessions time out. Ids the group does not know (expired, or never members) are skipped.
   * Resolves with the ids it removed.
   */
  removeMembers(groupId: string, memberIds: readonly string[]): Promise<string[]>;
  close(): Promise<void>;
}

/** What a driver can do, so callers pick a strategy instead of testing the driver's name. */
export interface DriverCapabilities {
  /** Transactional offset commits fenced by group generation (KIP-447). */
  readonly kip447: boolean;
  /** Whether assignor userData reaches the members. */
  readonly customAssignor: boolean;
  /** Whether this is a real, networked Kafka cluster rather than the embedded one. */
  readonly networked: boolean;
}

/** Options of a transactional producer. */
export interface TransactionalProducerOptions {
  /**
   * Default 60000. Too low: long transactions are aborted by the coordinator; too high: a dead
   * producer's open transaction blocks read_committed readers that long.
   */
  readonly transactionTimeoutMs?: number;
}

/** A connection to one Kafka cluster (or the embedded broker). */
export interface KafkaDriver {
  readonly name: string;
  readonly capabilities: DriverCapabilities;
  producer(options?: ProducerOptions): Promise<Producer>;
  transactionalProducer(transactionalId: string, options?: TransactionalProducerOptions): Promise<TransactionalProducer>;
  consumer(options: ConsumerOptions): Promise<Consumer>;
  admin(): Promise<Admin>;
  /** Closes every producer, consumer and admin this driver created. Idempotent. */
  close(): Promise<void>;
}
