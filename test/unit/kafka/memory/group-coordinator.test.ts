// GroupCoordinator: the group state machine — generations, eager rebalances, leaders, the rebalance
// deadline that evicts a member that does not rejoin, assignor failures, and the commit check.

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { pino } from 'pino';
import { hasCode } from '../../../../src/errors/index.js';
import { GroupCoordinator, type MemberRegistration } from '../../../../src/kafka/drivers/memory/group-coordinator.js';
import { roundRobinAssignor } from '../../../../src/kafka/round-robin-assignor.js';
import type { Assignor } from '../../../../src/kafka/types.js';
import { waitFor } from '../../../helpers/wait-for.js';

const silent = pino({ level: 'silent' });

/** Coordinators of the running test; destroyed after it, which cancels a pending rebalance deadline. */
let coordinators: GroupCoordinator[] = [];

function coordinator(partitions: Record<string, number> = { orders: 4 }): GroupCoordinator {
  const created = new GroupCoordinator('group', { partitionCount: (topic) => partitions[topic], logger: () => silent });
  coordinators.push(created);
  return created;
}

interface TestMember {
  readonly registration: MemberRegistration;
  wakes: number;
}

function member(memberId: string, options: { topics?: string[]; rebalanceTimeoutMs?: number; assignor?: Assignor } = {}): TestMember {
  const test: TestMember = {
    wakes: 0,
    registration: {
      memberId,
      clientId: 'client',
      topics: options.topics ?? ['orders'],
      userData: Buffer.from(memberId),
      assignor: options.assignor ?? roundRobinAssignor,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 60_000,
      wake: () => {
        test.wakes++;
      },
    },
  };
  return test;
}

function partitionsOf(group: GroupCoordinator, memberId: string): string[] {
  const status = group.status(memberId);
  return status.kind === 'assigned' ? status.partitions.map((p) => `${p.topic}/${p.partition}`) : [];
}

void describe('GroupCoordinator', () => {
  afterEach(() => {
    for (const group of coordinators) group.destroy();
    coordinators = [];
  });

  void it('starts generation 1 with everything for the first member, which leads', () => {
    const group = coordinator();
    const a = member('a');
    group.join(a.registration);
    assert.equal(group.state, 'stable');
    assert.deepEqual(group.status('a'), {
      kind: 'assigned',
      generationId: 1,
      isLeader: true,
      partitions: [0, 1, 2, 3].map((partition) => ({ topic: 'orders', partition })),
    });
  });

  void it('asks existing members to rejoin when one joins, and completes when all have', () => {
    const group = coordinator();
    const a = member('a');
    const b = member('b');
    group.join(a.registration);
    const wakesBefore = a.wakes;
    group.join(b.registration);
    assert.equal(group.state, 'preparingRebalance');
    assert.ok(a.wakes > wakesBefore, 'the existing member is woken');
    assert.equal(group.status('a').kind, 'mustRejoin');
    assert.equal(group.status('b').kind, 'awaitingAssignment');

    group.rejoin(a.registration);
    assert.equal(group.state, 'stable');
    assert.equal(group.generationId, 2);
    assert.deepEqual(partitionsOf(group, 'a'), ['orders/0', 'orders/2']);
    assert.deepEqual(partitionsOf(group, 'b'), ['orders/1', 'orders/3']);
    const leaders = ['a', 'b'].filter((id) => {
      const status = group.status(id);
      return status.kind === 'assigned' && status.isLeader;
    });
    assert.deepEqual(leaders, ['a'], 'the first member to have joined leads');
    assert.deepEqual(group.assignment().members.map((m) => m.memberId), ['a', 'b']);
  });

  void it('keeps the old generation committable while a rebalance is pending', () => {
    const group = coordinator();
    group.join(member('a').registration);
    group.join(member('b').registration);
    assert.doesNotThrow(() => group.checkCommit('a', [{ topic: 'orders', partition: 3 }]), 'a still owns its generation-1 partitions');
    assert.throws(() => group.checkCommit('b', [{ topic: 'orders', partition: 0 }]), (err) => hasCode(err, 'STREAMD_REBALANCE_IN_PROGRESS'));
  });

  void it('rejects commits from a member that left, or for partitions another member owns', () => {
    const group = coordinator();
    const a = member('a');
    const b = member('b');
    group.join(a.registration);
    group.join(b.registration);
    group.rejoin(a.registration);
    assert.throws(() => group.checkCommit('a', [{ topic: 'orders', partition: 1 }]), (err) => hasCode(err, 'STREAMD_REBALANCE_IN_PROGRESS'));
    group.leave('a');
    assert.throws(() => group.checkCommit('a', [{ topic: 'orders', partition: 0 }]), (err) => hasCode(err, 'STREAMD_REBALANCE_IN_PROGRESS'));
  });

  void it('gives the leaving member\'s partitions to the rest, and goes empty when the last leaves', () => {
    const group = coordinator();
    const a = member('a');
    const b = member('b');
    group.join(a.registration);
    group.join(b.registration);
    group.rejoin(a.registration);
    group.leave('a');
    assert.equal(group.status('b').kind, 'mustRejoin');
    group.rejoin(b.registration);
    assert.deepEqual(partitionsOf(group, 'b'), ['orders/0', 'orders/1', 'orders/2', 'orders/3']);
    assert.equal((group.status('b') as { isLeader: boolean }).isLeader, true, 'the next member in join order leads');
    group.leave('b');
    assert.equal(group.state, 'empty');
  });

  void it('evicts a member that does not rejoin within the rebalance timeout, so the others go on', async () => {
    const group = coordinator();
    const stuck = member('stuck', { rebalanceTimeoutMs: 50 });
    const newcomer = member('newcomer', { rebalanceTimeoutMs: 50 });
    group.join(stuck.registration);
    group.join(newcomer.registration);
    assert.equal(group.state, 'preparingRebalance');
    await waitFor(() => group.state === 'stable', { timeoutMs: 2_000, message: 'the rebalance deadline to pass' });
    assert.equal(group.status('stuck').kind, 'unknown', 'the stuck member is out of the group');
    assert.deepEqual(partitionsOf(group, 'newcomer'), ['orders/0', 'orders/1', 'orders/2', 'orders/3']);
  });

  void it('fails the leader whose assignor throws and lets the others assign without it', () => {
    const broken: Assignor = { ...roundRobinAssignor, assign: () => { throw new Error('assignor bug'); } };
    const group = coordinator();
    group.join(member('a', { assignor: broken }).registration);
    const status = group.status('a');
    assert.equal(status.kind, 'failed');
    assert.equal((status as { error: Error }).error.message, 'assignor bug');
    assert.equal(group.state, 'empty');

    const b = member('b');
    const c = member('c', { assignor: broken });
    group.join(b.registration);
    group.join(c.registration);
    group.rejoin(b.registration);
    assert.deepEqual(partitionsOf(group, 'b'), ['orders/0', 'orders/2'], 'b leads with a working assignor');
  });

  void it('rebalances when a subscribed topic is created or deleted, and not for other topics', () => {
    const partitions: Record<string, number> = { orders: 2 };
    const group = coordinator(partitions);
    const a = member('a', { topics: ['orders', 'later'] });
    group.join(a.registration);
    assert.deepEqual(partitionsOf(group, 'a'), ['orders/0', 'orders/1']);
    group.topicsChanged(['unrelated']);
    assert.equal(group.state, 'stable');
    partitions['later'] = 1;
    group.topicsChanged(['later']);
    assert.equal(group.status('a').kind, 'mustRejoin');
    group.rejoin(a.registration);
    assert.deepEqual(partitionsOf(group, 'a'), ['later/0', 'orders/0', 'orders/1']);
  });

  void it('turns every member away once destroyed', () => {
    const group = coordinator();
    const a = member('a');
    group.join(a.registration);
    group.destroy();
    assert.equal(group.state, 'dead');
    assert.equal(group.status('a').kind, 'unknown');
    assert.throws(() => group.join(member('b').registration), (err) => hasCode(err, 'STREAMD_ILLEGAL_STATE'));
  });
});
