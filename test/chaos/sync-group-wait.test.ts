// Issue 10 case 9, made deterministic: a member's SyncGroup waits for the leader's assignment, and a
// leader that died after its JoinGroup (here: one whose assignment never comes) holds it until the
// leader's session expires. kafkajs sent SyncGroup under the client's request timeout, so a member
// whose wait outlasted it crashed ("Request SyncGroup(key: 14, version: 3) timed out") even though
// the rebalance was legitimately in progress. Now a group member's requests wait the rebalance timeout.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { AssignerProtocol, Kafka, logLevel } from '../../src/kafka/drivers/kafkajs/kafkajs.js';
import { createDriver, type Consumer, type KafkaDriver } from '../../src/kafka/index.js';
import { brokerAddress } from '../e2e/helpers/pipeline-app.js';
import { uniqueName } from '../helpers/unique-name.js';
import { waitFor } from '../helpers/wait-for.js';

// kafkajs's types through the driver's runtime import: only the driver imports kafkajs itself.
type RawConsumer = ReturnType<InstanceType<typeof Kafka>['consumer']>;
type PartitionAssigner = NonNullable<Parameters<InstanceType<typeof Kafka>['consumer']>[0]['partitionAssigners']>[number];

/** The request timeout the member's client is built with: far below the rebalance it sits through. */
const REQUEST_TIMEOUT_MS = 3000;
/** The stalled leader's session: longer than kafkajs's whole retry of a timed-out SyncGroup (~27 s at 3 s each). */
const LEADER_SESSION_MS = 40_000;
/** The member's rebalance timeout, which covers the leader's session: the wait is legitimate. */
const REBALANCE_TIMEOUT_MS = 45_000;

/**
 * Assigns every partition to the first member alone, then never again (until `release`): a leader
 * dead after its JoinGroup. `release` fails the stalled assignment, so the leader can be disconnected.
 */
function stallingAssigner(topic: string, onStalled: () => void): { assigner: PartitionAssigner; release: () => void } {
  let calls = 0;
  let release = (): void => undefined;
  const assigner: PartitionAssigner = () => ({
    name: 'streamd-roundrobin',
    version: 1,
    protocol: ({ topics }) => ({ name: 'streamd-roundrobin', metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }) }),
    assign: ({ members }) => {
      calls += 1;
      if (calls > 1) {
        onStalled();
        return new Promise((_resolve, reject) => (release = () => reject(new Error('the stalled leader is released'))));
      }
      const assignment = AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: { [topic]: [0, 1] }, userData: Buffer.alloc(0) });
      return Promise.resolve(members.map(({ memberId }) => ({ memberId, memberAssignment: assignment })));
    },
  });
  return { assigner, release: () => release() };
}

describe('a group member whose SyncGroup waits for a stalled leader', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('does not time out below the rebalance timeout: it outwaits the leader and takes every partition', { timeout: 180_000 }, async () => {
    const topic = uniqueName('sync-wait');
    const groupId = uniqueName('sync-wait-group');
    const driver: KafkaDriver = createDriver(`kafka://${brokerAddress()}`, { requestTimeoutMs: REQUEST_TIMEOUT_MS });
    cleanups.push(() => driver.close());
    const admin = await driver.admin();
    await admin.createTopics([{ topic, partitions: 2 }]);

    let stalledAt: number | undefined;
    const kafka = new Kafka({ clientId: 'stalled-leader', brokers: [brokerAddress()], logLevel: logLevel.NOTHING });
    const stalling = stallingAssigner(topic, () => (stalledAt ??= Date.now()));
    const leader: RawConsumer = kafka.consumer({
      groupId,
      sessionTimeout: LEADER_SESSION_MS,
      rebalanceTimeout: LEADER_SESSION_MS,
      heartbeatInterval: 500,
      partitionAssigners: [stalling.assigner],
      retry: { retries: 0, restartOnFailure: () => Promise.resolve(false) },
    });
    cleanups.push(async () => {
      stalling.release();
      await leader.disconnect();
    });
    let leaderJoined = false;
    leader.on(leader.events.GROUP_JOIN, () => (leaderJoined = true));
    await leader.connect();
    await leader.subscribe({ topic });
    await leader.run({ eachBatch: () => Promise.resolve() });
    await waitFor(() => leaderJoined, { timeoutMs: 30_000, message: 'the leader to join alone' });

    const member: Consumer = await driver.consumer({ groupId, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000, rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS });
    cleanups.push(() => member.stop());
    let crash: Error | undefined;
    member.on('crashed', (error) => (crash ??= error));
    const startedAt = Date.now();
    await member.subscribe([topic]);
    // kafkajs joins within run(): it resolves once the member is in the group, or has crashed.
    await member.run(() => Promise.resolve());
    await waitFor(() => crash !== undefined || member.assignment().length === 2, {
      timeoutMs: LEADER_SESSION_MS + 60_000,
      message: () => `the member to hold both partitions (it holds ${member.assignment().length})`,
    });
    console.log(
      `the leader stalled ${stalledAt === undefined ? 'never' : `${stalledAt - startedAt} ms`} after the member started joining; ` +
        `the member ${crash === undefined ? `held every partition after ${Date.now() - startedAt} ms` : `crashed after ${Date.now() - startedAt} ms: ${crash.message}`}`,
    );
    assert.notEqual(stalledAt, undefined, 'the leader stalled in its assignment, so the member had to wait in SyncGroup');
    assert.equal(crash, undefined, `the member did not crash: ${crash?.message ?? ''}`);
    assert.deepEqual(
      member.assignment().map((tp) => tp.partition).sort(),
      [0, 1],
    );
  });
});
