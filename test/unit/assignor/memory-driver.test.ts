// StreamdAssignor plugged into a real consumer group of the memory driver: the leader assigns, and
// every member reads the whole assignment back from groupAssignment(), as the worker will.

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { decodeClusterAssignment, ownerOf, StreamdAssignor } from '../../../src/assignor/index.js';
import { createMemoryDriver, dropMemoryCluster } from '../../../src/kafka/drivers/memory/index.js';
import type { Consumer, KafkaDriver, TopicPartition } from '../../../src/kafka/index.js';
import { uniqueName } from '../../helpers/unique-name.js';
import { waitFor } from '../../helpers/wait-for.js';

const GROUPS = [{ topics: ['orders'], changelogs: ['app-totals-changelog'] }];

void describe('StreamdAssignor on the memory driver', () => {
  let cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    const steps = cleanup.reverse();
    cleanup = [];
    for (const step of steps) await step();
  });

  async function openDriver(): Promise<KafkaDriver> {
    const cluster = uniqueName('assignor');
    const driver = createMemoryDriver(cluster, {});
    cleanup.push(async () => {
      await driver.close();
      dropMemoryCluster(cluster);
    });
    await (await driver.admin()).createTopics([{ topic: 'orders', partitions: 4 }]);
    return driver;
  }

  async function join(driver: KafkaDriver, name: string): Promise<{ consumer: Consumer; owned: () => readonly TopicPartition[] }> {
    let owned: readonly TopicPartition[] = [];
    const assignor = new StreamdAssignor({ url: `http://${name}:6066`, copartitionGroups: GROUPS, previousActives: () => owned });
    const consumer = await driver.consumer({ groupId: 'g', assignor, rebalanceTimeoutMs: 5_000, maxWaitMs: 30_000 });
    cleanup.push(() => consumer.stop());
    consumer.on('assigned', (event) => {
      owned = event.partitions;
    });
    await consumer.subscribe(['orders']);
    await consumer.run(() => Promise.resolve());
    return { consumer, owned: () => owned };
  }

  it('lets every member read who owns which partition from the group assignment', async () => {
    const driver = await openDriver();
    const first = await join(driver, 'w1');
    await waitFor(() => first.owned().length === 4, { timeoutMs: 2_000, message: 'the first member to own all four partitions' });
    const second = await join(driver, 'w2');
    await waitFor(() => first.owned().length === 2 && second.owned().length === 2, { timeoutMs: 2_000, message: 'two partitions each' });

    const group = await second.consumer.groupAssignment();
    assert.equal(group.members.length, 2);
    for (const member of group.members) {
      const cluster = decodeClusterAssignment(member.assignmentUserData);
      assert.equal(cluster.memberId, member.memberId);
      assert.deepEqual(cluster.actives.filter((a) => a.topic === 'orders'), member.partitions);
      const url = cluster.members.find((m) => m.memberId === member.memberId)!.url!;
      for (const { partition } of member.partitions) {
        assert.equal(ownerOf(cluster, 'orders', partition), url);
        assert.equal(ownerOf(cluster, 'app-totals-changelog', partition), url);
      }
      assert.equal(cluster.standbys.length, 2, 'one standby of each of the other member\'s table partitions');
    }
  });
});
