// The two things streamd needs from kafkajs that its public API lacks, reached through its internal
// cluster objects (kafkajs/src/index.js, cluster/, broker/, network/): a LeaveGroup on behalf of a
// member id (a dead process's member), and cutting a consumer's JoinGroup short (a stop during the
// join). Used by admin.ts (removeMembers) and consumer.ts (stop). Checked against kafkajs 2.2.4.

import type { Kafka } from 'kafkajs';

/** The parts of kafkajs's internal Cluster, Broker, ConnectionPool and Connection used here. */
interface RawConnection {
  requestQueue: { inflight: Map<unknown, unknown>; pending: unknown[]; rejectAll(error: Error): void; emit(event: string): boolean };
  disconnect(): Promise<unknown>;
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

/** kafkajs's api keys of the two requests that make up a join. */
const JOIN_GROUP = 11;
const SYNC_GROUP = 14;

/** What `hookCoordinator` reports and asks. */
export interface CoordinatorHooks {
  /** The id the coordinator gave a new member in its first JoinGroup answer (MEMBER_ID_REQUIRED). */
  onPendingMemberId(memberId: string): void;
  /** True once the consumer stops: a JoinGroup or SyncGroup it would send now fails at once. */
  isStopping(): boolean;
  /** The error such a refused request fails with. */
  refusal(): Error;
  /** Awaited before each JoinGroup goes out (the consumer's JoinHold: the revoke commit lands first). */
  beforeJoin(): Promise<void>;
}

/**
 * Hooks the requests to the group's coordinator. A new member's id comes in its first JoinGroup
 * answer (MEMBER_ID_REQUIRED, JoinGroup v4+): from then on the group counts that member, even while
 * its second JoinGroup waits, and only a LeaveGroup with this id removes it before its timeout.
 * And once stopping, a join is refused before it is sent: a join sent after the stop began would
 * wait for the whole group (a dead member's whole session), and the disconnect with it. A JoinGroup
 * waits for `beforeJoin` first: kafkajs rejoins the moment it sees a rebalance, with no
 * onPartitionsRevoked of its own, so this is where the revoke commit gets its turn.
 */
export function hookCoordinator(cluster: RawCluster, groupId: string, hooks: CoordinatorHooks): void {
  const find = cluster.findGroupCoordinator.bind(cluster);
  const hooked = new WeakSet<RawConnectionPool>();
  cluster.findGroupCoordinator = async (request) => {
    const broker = await find(request);
    const pool = broker.connectionPool;
    if (request.groupId === groupId && !hooked.has(pool)) {
      hooked.add(pool);
      const send = pool.send.bind(pool);
      pool.send = async (protocolRequest) => {
        const apiKey = (protocolRequest as { request?: { apiKey?: unknown } }).request?.apiKey;
        if ((apiKey === JOIN_GROUP || apiKey === SYNC_GROUP) && hooks.isStopping()) throw hooks.refusal();
        if (apiKey === JOIN_GROUP) {
          await hooks.beforeJoin();
          if (hooks.isStopping()) throw hooks.refusal();
        }
        try {
          return await send(protocolRequest);
        } catch (err) {
          const memberId = (err as { memberId?: unknown }).memberId;
          if ((err as { name?: unknown }).name === 'KafkaJSMemberIdRequired' && typeof memberId === 'string') hooks.onPendingMemberId(memberId);
          throw err;
        }
      };
    }
    return broker;
  };
}

/**
 * Fails every request in flight on the cluster's connections at once, and closes those
 * connections: a JoinGroup waiting for a dead member's session ends now instead of when the broker
 * answers. The broker answers one request per connection at a time, so a LeaveGroup sent after it
 * on the same connection would wait just as long: it goes out on a new connection instead. A
 * disconnect waits for the requests in flight (`requestQueueEmpty`, which rejectAll does not emit),
 * so the event is emitted here too: one already waiting goes on.
 */
export function cutRequestsInFlight(cluster: RawCluster, reason: Error): void {
  const { seedBroker, brokers } = cluster.brokerPool;
  for (const broker of [...(seedBroker === undefined ? [] : [seedBroker]), ...Object.values(brokers)]) {
    for (const connection of broker.connectionPool.pool) {
      const { requestQueue } = connection;
      if (requestQueue.inflight.size === 0 && requestQueue.pending.length === 0) continue;
      requestQueue.rejectAll(reason);
      requestQueue.emit('requestQueueEmpty');
      // Its requests were rejected above, so this only closes the socket; a failure changes nothing.
      void connection.disconnect().catch(() => undefined);
    }
  }
}
