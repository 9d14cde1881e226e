// The two things streamd needs from kafkajs that its public API lacks, reached through its internal
// cluster objects (kafkajs/src/index.js, cluster/, broker/, network/): a LeaveGroup on behalf of a
// member id (a dead process's member), and cutting a consumer's JoinGroup short (a stop during the
// join). Used by admin.ts (removeMembers) and consumer.ts (stop). Checked against kafkajs 2.2.4.

import type { Kafka } from 'kafkajs';

/** The parts of kafkajs's internal Cluster, Broker, ConnectionPool and Connection used here. */
interface RawConnection {
  requestQueue: { rejectAll(error: Error): void; emit(event: string): boolean };
}
interface RawConnectionPool {
  pool: RawConnection[];
  send(request: unknown): Promise<unknown>;
}
interface RawBroker {
  connectionPool: RawConnectionPool;
  leaveGroup(request: { groupId: string; memberId: string }): Promise<unknown>;
}
export interface RawCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(request: { groupId: string }): Promise<RawBroker>;
  brokerPool: { seedBroker?: RawBroker; brokers: Record<string, RawBroker> };
}

type CreateCluster = (options: Record<string, unknown>) => RawCluster;

/** kafkajs's private cluster factory (`Symbol('private:Kafka:createCluster')` on the client). */
function createClusterOf(kafka: Kafka): { owner: Record<symbol, unknown>; key: symbol } {
  const owner = kafka as unknown as Record<symbol, unknown>;
  const key = Object.getOwnPropertySymbols(owner).find((s) => s.description === 'private:Kafka:createCluster');
  if (key === undefined || typeof owner[key] !== 'function') throw new Error('this kafkajs version has no private:Kafka:createCluster (streamd is built against kafkajs 2.2.4)');
  return { owner, key };
}

/** A new cluster connection with the client's brokers, TLS, SASL and logger. Disconnect it after use. */
export function newCluster(kafka: Kafka): RawCluster {
  const { owner, key } = createClusterOf(kafka);
  return (owner[key] as CreateCluster)({ allowAutoTopicCreation: false });
}

/** Runs `create` (which makes one kafkajs client object) and returns it with the cluster it made. */
export function withCluster<T>(kafka: Kafka, create: () => T): { made: T; cluster: RawCluster | undefined } {
  const { owner, key } = createClusterOf(kafka);
  const original = owner[key] as CreateCluster;
  let cluster: RawCluster | undefined;
  owner[key] = (options: Record<string, unknown>) => (cluster = original(options));
  try {
    return { made: create(), cluster };
  } finally {
    owner[key] = original;
  }
}

/** The message of the error a join cut short by a stop fails with (logging.ts keeps it out of the error log). */
export const JOIN_CUT_SHORT = 'the consumer is stopping: its group join was cut short';

/** The outcome of one LeaveGroup for one member id. */
export type LeaveOutcome = 'removed' | 'unknown';

/** LeaveGroup for `memberId`, as the member itself would send it; an id the group does not know is `unknown`. */
export async function leaveGroupAs(cluster: RawCluster, groupId: string, memberId: string): Promise<LeaveOutcome> {
  const coordinator = await cluster.findGroupCoordinator({ groupId });
  try {
    await coordinator.leaveGroup({ groupId, memberId });
    return 'removed';
  } catch (err) {
    const type = (err as { type?: unknown }).type;
    if (type === 'UNKNOWN_MEMBER_ID' || type === 'GROUP_ID_NOT_FOUND') return 'unknown';
    throw err;
  }
}

/**
 * Remembers the member id the coordinator hands a new member in its first JoinGroup answer
 * (MEMBER_ID_REQUIRED, JoinGroup v4+): from then on the group counts that member, even while its
 * second JoinGroup waits, and only a LeaveGroup with this id removes it before its timeout.
 */
export function watchPendingMemberId(cluster: RawCluster, groupId: string, onMemberId: (memberId: string) => void): void {
  const find = cluster.findGroupCoordinator.bind(cluster);
  const patched = new WeakSet<RawConnectionPool>();
  cluster.findGroupCoordinator = async (request) => {
    const broker = await find(request);
    const pool = broker.connectionPool;
    if (request.groupId === groupId && !patched.has(pool)) {
      patched.add(pool);
      const send = pool.send.bind(pool);
      pool.send = async (protocolRequest) => {
        try {
          return await send(protocolRequest);
        } catch (err) {
          const memberId = (err as { name?: unknown; memberId?: unknown }).memberId;
          if ((err as { name?: unknown }).name === 'KafkaJSMemberIdRequired' && typeof memberId === 'string') onMemberId(memberId);
          throw err;
        }
      };
    }
    return broker;
  };
}

/**
 * Fails every request in flight on the cluster's connections at once, as a closed connection does:
 * a JoinGroup waiting for a dead member's session ends now instead of when the broker answers.
 * A disconnect waits for the requests in flight (`requestQueueEmpty`, which rejectAll does not
 * emit), so the event is emitted here too: one already waiting goes on.
 */
export function cutRequestsInFlight(cluster: RawCluster, reason: Error): void {
  const { seedBroker, brokers } = cluster.brokerPool;
  for (const broker of [...(seedBroker === undefined ? [] : [seedBroker]), ...Object.values(brokers)]) {
    for (const { requestQueue } of broker.connectionPool.pool) {
      requestQueue.rejectAll(reason);
      requestQueue.emit('requestQueueEmpty');
    }
  }
}
