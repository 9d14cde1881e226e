// Contract: consumer groups — splitting partitions, custom assignors and their userData,
// pause/resume/seek, and committed offsets across restarts. Registered by driver-contract.ts.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { AssignedEvent, Assignor, GroupAssignment, GroupMember, MemberAssignment, TopicPartition } from '../../src/kafka/index.js';
import type { RecordCollector } from '../helpers/collect.js';
import { collectRecords } from '../helpers/collect.js';
import { uniqueName } from '../helpers/unique-name.js';
import { waitFor } from '../helpers/wait-for.js';
import type { ContractContext } from './contract-fixture.js';
import { bytes, DELIVERY_TIMEOUT_MS, partitionNames, REBALANCE_TIMEOUT_MS, TEST_TIMEOUT_MS } from './contract-fixture.js';

export function groupContract(ctx: ContractContext): void {
  void it('splits the partitions between two members of a group, and gives all to the one left when the other stops', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await ctx.createTopic('split', 4);
    const all = partitionNames(Array.from({ length: 4 }, (_, partition) => ({ topic, partition })));
    const groupId = uniqueName('split');
    const first = await collectRecords(await ctx.consumer({ groupId }), [topic]);
    await waitFor(() => sameNames(partitionNames(first.consumer.assignment()), all), {
      timeoutMs: REBALANCE_TIMEOUT_MS,
      message: () => `the only member to own all 4 partitions (owns ${partitionNames(first.consumer.assignment()).join(', ')})`,
    });

    const second = await collectRecords(await ctx.consumer({ groupId }), [topic]);
    const [mine, theirs] = await waitFor(() => {
      const a = partitionNames(first.consumer.assignment());
      const b = partitionNames(second.consumer.assignment());
      const isSplit = a.length > 0 && b.length > 0 && a.every((p) => !b.includes(p)) && sameNames([...a, ...b].sort(), all);
      return isSplit && ([a, b] as const);
    }, {
      timeoutMs: REBALANCE_TIMEOUT_MS,
      message: () => `two members to split 4 partitions (first owns [${partitionNames(first.consumer.assignment()).join(', ')}], `
        + `second owns [${partitionNames(second.consumer.assignment()).join(', ')}])`,
    });
    assert.ok(mine.length > 0 && theirs.length > 0);
    // The assignments each member had when the split showed: one made after it (kafkajs may settle a
    // join in two generations) starts again from the committed offset, so a record may come again.
    const assignedAtSplit = [first.assignedEvents.length, second.assignedEvents.length] as const;

    const producer = await ctx.producer();
    await producer.send([0, 1, 2, 3].map((partition) => ({ topic, partition, value: Buffer.from(`split-${partition}`) })));
    await waitFor(() => new Set(partitionNames([...first.records, ...second.records])).size >= 4, {
      timeoutMs: DELIVERY_TIMEOUT_MS,
      message: () => `4 records split over two members (have ${first.records.length} + ${second.records.length})`,
    });
    assertOwnRecords(first, mine, assignedAtSplit[0], 'the first member');
    assertOwnRecords(second, theirs, assignedAtSplit[1], 'the second member');

    await second.consumer.stop();
    await waitFor(() => sameNames(partitionNames(first.consumer.assignment()), all), {
      timeoutMs: REBALANCE_TIMEOUT_MS,
      message: () => `the remaining member to own all 4 partitions (owns ${partitionNames(first.consumer.assignment()).join(', ')})`,
    });
    await producer.send([0, 1, 2, 3].map((partition) => ({ topic, partition, value: Buffer.from(`alone-${partition}`) })));
    await first.until((records) => records.filter((r) => r.value?.toString().startsWith('alone-')).length >= 4, {
      timeoutMs: DELIVERY_TIMEOUT_MS,
      message: 'the remaining member to receive a record from every partition',
    });
    assert.deepEqual(partitionNames(first.records.filter((r) => r.value?.toString().startsWith('alone-'))), all);
    assert.equal(second.records.length, theirs.length, 'a stopped member receives nothing more');
  });

  void it('removes a member on its behalf at once, skipping ids the group does not know; a live member removed joins again as a new one', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await ctx.createTopic('removed', 2);
    const all = partitionNames([0, 1].map((partition) => ({ topic, partition })));
    const groupId = uniqueName('removed');
    const member = await collectRecords(await ctx.consumer({ groupId }), [topic]);
    const first = await waitFor(() => member.assignedEvents[0]?.memberId, { timeoutMs: REBALANCE_TIMEOUT_MS, message: 'the member to join the group' });
    const admin = await ctx.admin();

    const removed = await admin.removeMembers(groupId, ['never-a-member-of-this-group', first]);
    assert.deepEqual(removed, [first], 'the member is removed; the unknown id is skipped, not an error');
    const again = await waitFor(
      () => {
        const last = member.assignedEvents.at(-1);
        return last !== undefined && last.memberId !== first && sameNames(partitionNames(last.partitions), all) && last;
      },
      { timeoutMs: REBALANCE_TIMEOUT_MS, message: () => `the removed member to join again with a new id (events: ${member.assignedEvents.map((e) => e.memberId).join(', ')})` },
    );
    assert.notEqual(again.memberId, first);
    assert.deepEqual(await admin.removeMembers(groupId, [first]), [], 'an id already removed is skipped');
    assert.deepEqual(await admin.removeMembers(uniqueName('no-such-group'), [first]), [], 'a group that does not exist has no members to remove');
  });

  void it('hands every member\'s subscription userData to the assignor and its assignment to every member', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await ctx.createTopic('assignor', 5);
    const groupId = uniqueName('assignor');
    const rounds: GroupMember[][] = [];
    const alpha = await collectRecords(await ctx.consumer({ groupId, assignor: recordingAssignor('alpha', rounds) }), [topic]);
    await waitFor(() => alpha.consumer.assignment().length === 5, {
      timeoutMs: REBALANCE_TIMEOUT_MS,
      message: 'the first member to own all 5 partitions',
    });
    const beta = await collectRecords(await ctx.consumer({ groupId, assignor: recordingAssignor('beta', rounds) }), [topic]);

    // Settled: both members appear in both views with partitions, and each member's own
    // assignment() and latest `assigned` event agree with its entry there.
    const settled = await waitFor(async () => {
      const a = lastAssigned(alpha);
      const b = lastAssigned(beta);
      if (a === undefined || b === undefined) return undefined;
      const views = [await alpha.consumer.groupAssignment(), await beta.consumer.groupAssignment()];
      const members: [RecordCollector, AssignedEvent][] = [[alpha, a], [beta, b]];
      const isSettled = views.every((view) =>
        view.members.length === 2
        && members.every(([collector, event]) => {
          const entry = view.members.find((m) => m.memberId === event.memberId);
          return entry !== undefined && entry.partitions.length > 0
            && sameNames(partitionNames(entry.partitions), partitionNames(collector.consumer.assignment()))
            && sameNames(partitionNames(entry.partitions), partitionNames(event.partitions));
        }));
      return isSettled && { a, b, views };
    }, {
      timeoutMs: REBALANCE_TIMEOUT_MS,
      message: () => `both members to settle in one generation (alpha events ${JSON.stringify(alpha.assignedEvents)}, `
        + `beta events ${JSON.stringify(beta.assignedEvents)})`,
    });
    const { a, b, views } = settled;
    const seen = rounds.map((round) => round.map((m) => bytes(m.userData)).sort());
    assert.ok(
      seen.some((round) => round.length === 2 && round[0] === 'alpha' && round[1] === 'beta'),
      `an assignment round saw both members' userData; rounds saw ${JSON.stringify(seen)}`,
    );
    for (const round of rounds) for (const member of round) assert.deepEqual(member.topics, [topic], 'members announce their topics');
    assert.equal([a, b].filter((event) => event.isLeader).length, 1, 'exactly one member leads the generation');

    const [alphaView, betaView] = views.map(normalize);
    assert.deepEqual(alphaView, betaView, 'both members see the same group assignment');
    assert.equal(alphaView!.groupId, groupId);
    const byUserData = new Map(alphaView!.members.map((m) => [m.subscriptionUserData, m]));
    const alphaState = byUserData.get('alpha');
    const betaState = byUserData.get('beta');
    assert.ok(alphaState !== undefined && betaState !== undefined, `groupAssignment() shows both members' subscription userData: ${JSON.stringify(alphaView)}`);
    assert.equal(alphaState.memberId, a.memberId, 'the member whose userData is "alpha" is the alpha consumer');
    assert.equal(betaState.memberId, b.memberId, 'the member whose userData is "beta" is the beta consumer');
    assert.equal(alphaState.assignmentUserData, 'for:alpha', 'the assignor\'s userData for alpha reaches the group assignment');
    assert.equal(betaState.assignmentUserData, 'for:beta', 'the assignor\'s userData for beta reaches the group assignment');
    assert.deepEqual(partitionNames(alpha.consumer.assignment()), alphaState.partitions, 'alpha\'s own assignment is its entry in the group assignment');
    assert.deepEqual(partitionNames(beta.consumer.assignment()), betaState.partitions, 'beta\'s own assignment is its entry in the group assignment');
    assert.deepEqual(partitionNames(a.partitions), alphaState.partitions, 'the assigned event names alpha\'s partitions');
    assert.deepEqual(
      [...alphaState.partitions, ...betaState.partitions].sort(),
      partitionNames(Array.from({ length: 5 }, (_, partition) => ({ topic, partition }))),
      'the assignor\'s split covers every partition once',
    );
  });

  void it('holds back a paused partition while others flow, delivers it on resume, and redelivers from a seek', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await ctx.createTopic('pause', 2);
    const producer = await ctx.producer();
    const send = (partition: number, from: number, to: number): Promise<unknown> =>
      producer.send(Array.from({ length: to - from }, (_, i) => ({ topic, partition, value: Buffer.from(`p${partition}-${from + i}`) })));
    await send(0, 0, 5);
    await send(1, 0, 5);
    const collector = await collectRecords(await ctx.consumer({ groupId: uniqueName('pause') }), [topic]);
    await collector.untilCount(10, { timeoutMs: DELIVERY_TIMEOUT_MS });
    const paused: TopicPartition = { topic, partition: 0 };

    collector.consumer.pause([paused]);
    await send(0, 5, 10);
    await send(1, 5, 10);
    await collector.until((records) => records.some((r) => r.partition === 1 && r.offset === 9n), {
      timeoutMs: DELIVERY_TIMEOUT_MS,
      message: 'the unpaused partition 1 to deliver offsets 5..9',
    });
    // A record produced to partition 1 after everything on partition 0 is a barrier: a fetch that
    // returns it would also have returned partition 0's newer records if partition 0 were fetched.
    await send(1, 10, 11);
    await collector.until((records) => records.some((r) => r.partition === 1 && r.offset === 10n), {
      timeoutMs: DELIVERY_TIMEOUT_MS,
      message: 'the barrier record on partition 1',
    });
    assert.deepEqual(offsetsOf(collector, 0), [0n, 1n, 2n, 3n, 4n], 'a paused partition delivers nothing');

    collector.consumer.resume([paused]);
    await collector.until((records) => records.some((r) => r.partition === 0 && r.offset === 9n), {
      timeoutMs: DELIVERY_TIMEOUT_MS,
      message: 'partition 0 to deliver offsets 5..9 after resume',
    });
    assert.deepEqual(offsetsOf(collector, 0), [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n], 'a resumed partition continues where it stopped');

    const deliveredBeforeSeek = collector.recordsOf(topic, 0).length;
    collector.consumer.seek({ topic, partition: 0, offset: 2n });
    await collector.until((records) => records.filter((r) => r.partition === 0).length >= deliveredBeforeSeek + 8, {
      timeoutMs: DELIVERY_TIMEOUT_MS,
      message: 'partition 0 to redeliver offsets 2..9 after seek',
    });
    const redelivered = collector.recordsOf(topic, 0).slice(deliveredBeforeSeek);
    assert.deepEqual(redelivered.map((r) => r.offset), [2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n], 'a seek redelivers from the given offset');
    assert.deepEqual(redelivered.map((r) => bytes(r.value)), [2, 3, 4, 5, 6, 7, 8, 9].map((i) => `p0-${i}`));
    assert.deepEqual(offsetsOf(collector, 1), [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n], 'seeking partition 0 leaves partition 1 alone');
    assert.deepEqual(collector.violations, []);
  });

  void it('holds a member\'s rejoin for the work its rebalancing listener hands over: no one gets the partitions first, and its commit counts', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await ctx.createTopic('hold', 2);
    const groupId = uniqueName('hold');
    const producer = await ctx.producer();
    await producer.send([0, 1].flatMap((partition) => Array.from({ length: 5 }, (_, i) => ({ topic, partition, value: Buffer.from(`old-${i}`) }))));
    const first = await collectRecords(await ctx.consumer({ groupId }), [topic]);
    await first.untilCount(10, { timeoutMs: DELIVERY_TIMEOUT_MS });

    const steps: string[] = [];
    const holds: Promise<void>[] = [];
    let isRejoinedDuringWork: boolean | undefined;
    first.consumer.on('rebalancing', (event) => {
      const work = (async () => {
        // Bounded: the second member must not be given partitions while this work holds the rejoin.
        await waitFor(() => steps.includes('second assigned'), { timeoutMs: 2_000, message: 'a member assigned' }).catch(() => steps.push('no one assigned while held'));
        isRejoinedDuringWork = event.rejoined.aborted;
        await first.consumer.commit([0, 1].map((partition) => ({ topic, partition, offset: 5n })));
        steps.push('committed');
      })();
      holds.push(work);
      event.holdJoin(work);
    });
    const secondConsumer = await ctx.consumer({ groupId });
    secondConsumer.on('assigned', (event) => {
      if (event.partitions.length > 0) steps.push('second assigned');
    });
    const second = await collectRecords(secondConsumer, [topic]);
    await waitFor(() => second.consumer.assignment().length === 1 && first.consumer.assignment().length === 1, {
      timeoutMs: REBALANCE_TIMEOUT_MS,
      message: () => `two members to split 2 partitions (steps: ${steps.join(', ')})`,
    });
    await Promise.all(holds);
    assert.deepEqual(steps.slice(0, 3), ['no one assigned while held', 'committed', 'second assigned'], 'the held work ends before the partitions move');
    assert.equal(isRejoinedDuringWork, false, 'the member had not rejoined while its work ran');
    await producer.send([0, 1].map((partition) => ({ topic, partition, value: Buffer.from('new') })));
    const [theirs] = second.consumer.assignment();
    await second.until((records) => records.some((r) => r.value?.toString() === 'new'), { timeoutMs: DELIVERY_TIMEOUT_MS, message: 'the new owner to read past the old member\'s commit' });
    assert.deepEqual(offsetsOf(second, theirs!.partition), [5n], 'the new owner starts at the offset the held work committed');
  });

  void it('restarts a group from its committed offsets, and earliest where none was committed', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await ctx.createTopic('commit', 2);
    const groupId = uniqueName('commit');
    const producer = await ctx.producer();
    await producer.send(Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, value: Buffer.from(`p0-${i}`) })));
    await producer.send(Array.from({ length: 4 }, (_, i) => ({ topic, partition: 1, value: Buffer.from(`p1-${i}`) })));
    const admin = await ctx.admin();
    assert.deepEqual(committed(await admin.committedOffsets(groupId, [topic])), [[0, -1n], [1, -1n]], 'a new group has committed nothing');

    const before = await collectRecords(await ctx.consumer({ groupId }), [topic]);
    await before.untilCount(14, { timeoutMs: DELIVERY_TIMEOUT_MS });
    await before.consumer.commit([{ topic, partition: 0, offset: 6n }]);
    assert.deepEqual(committed(await admin.committedOffsets(groupId, [topic])), [[0, 6n], [1, -1n]], 'committed offsets after a commit of partition 0');
    await before.consumer.stop();

    const after = await collectRecords(await ctx.consumer({ groupId }), [topic]);
    await after.untilCount(8, { timeoutMs: DELIVERY_TIMEOUT_MS });
    assert.deepEqual(offsetsOf(after, 0), [6n, 7n, 8n, 9n], 'partition 0 restarts at the committed offset');
    assert.deepEqual(offsetsOf(after, 1), [0n, 1n, 2n, 3n], 'partition 1, never committed, restarts at the earliest offset');
    assert.deepEqual(committed(await admin.committedOffsets(groupId, [topic])), [[0, 6n], [1, -1n]], 'consuming commits nothing by itself');
  });

  void it('starts a partition without a committed offset at the log end when autoOffsetReset is latest', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await ctx.createTopic('latest', 1);
    const producer = await ctx.producer();
    await producer.send([0, 1, 2].map((i) => ({ topic, value: Buffer.from(`old-${i}`) })));
    const collector = await collectRecords(await ctx.consumer({ groupId: uniqueName('latest'), autoOffsetReset: 'latest' }), [topic]);
    // When the member resolves "latest" is not observable, so keep producing until one arrives.
    let sent = 0;
    await waitFor(async () => {
      if (collector.records.length > 0) return true;
      await producer.send([{ topic, value: Buffer.from(`new-${sent++}`) }]);
      return false;
    }, { timeoutMs: DELIVERY_TIMEOUT_MS, intervalMs: 200, message: 'a record produced after the member joined' });
    const values = collector.records.map((r) => bytes(r.value));
    assert.ok(values.every((v) => v?.startsWith('new-')), `records from before the join are skipped: ${values.join(', ')}`);
    assert.ok(collector.records.every((r) => r.offset >= 3n), 'offsets start at the log end');
  });
}

/** An assignor that sends `label` as userData, logs every round it runs, and answers each member with `for:<its userData>`. */
function recordingAssignor(label: string, rounds: GroupMember[][]): Assignor {
  return {
    name: 'contract-recording',
    version: 1,
    subscriptionUserData: () => Buffer.from(label),
    assign({ members, partitionsPerTopic }) {
      rounds.push(members.map((m) => ({ memberId: m.memberId, topics: [...m.topics], userData: Buffer.from(m.userData) })));
      const sorted = [...members].sort((x, y) => x.memberId.localeCompare(y.memberId));
      const result = new Map<string, MemberAssignment>();
      for (const [index, member] of sorted.entries()) {
        const partitions = member.topics.flatMap((topic) =>
          Array.from({ length: partitionsPerTopic.get(topic) ?? 0 }, (_, partition) => ({ topic, partition }))
            .filter(({ partition }) => partition % sorted.length === index));
        result.set(member.memberId, { partitions, userData: Buffer.from(`for:${member.userData.toString('latin1')}`) });
      }
      return result;
    },
  };
}

function normalize(view: GroupAssignment): {
  groupId: string;
  members: { memberId: string; subscriptionUserData: string | null; assignmentUserData: string | null; partitions: string[] }[];
} {
  return {
    groupId: view.groupId,
    members: view.members
      .map((m) => ({
        memberId: m.memberId,
        subscriptionUserData: bytes(m.subscriptionUserData),
        assignmentUserData: bytes(m.assignmentUserData),
        partitions: partitionNames(m.partitions),
      }))
      .sort((x, y) => x.memberId.localeCompare(y.memberId)),
  };
}

function lastAssigned(collector: RecordCollector): AssignedEvent | undefined {
  return collector.assignedEvents[collector.assignedEvents.length - 1];
}

function offsetsOf(collector: RecordCollector, partition: number): bigint[] {
  return collector.records.filter((r) => r.partition === partition).map((r) => r.offset);
}

function committed(offsets: readonly { readonly partition: number; readonly offset: bigint }[]): [number, bigint][] {
  return offsets.map((o): [number, bigint] => [o.partition, o.offset]).sort((x, y) => x[0] - y[0]);
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

/** What a member was assigned and delivered, for a failure message: a record delivered twice says whether a new assignment came between. */
function deliveries(collector: RecordCollector): string {
  const assigned = collector.assignedEvents.map((e) => `[${partitionNames(e.partitions).join(' ')}]`).join(' then ');
  const batches = collector.batches.map((b) => `${b.partition}@${b.records.map((r) => r.offset).join(',')}`).join(' ');
  return `assigned ${assigned}; batches ${batches}`;
}

/**
 * A member receives the records of its own partitions only, each once per assignment it was given
 * from `assignedBefore` on: exactly once while the assignment stands, once more after each new one
 * (nothing is committed, so a new generation reads from the start again).
 */
function assertOwnRecords(collector: RecordCollector, owned: readonly string[], assignedBefore: number, who: string): void {
  assert.deepEqual([...new Set(partitionNames(collector.records))], [...owned], `${who} receives its partitions' records and no others (${deliveries(collector)})`);
  const times = new Map<string, number>();
  for (const r of collector.records) times.set(`${r.partition}@${r.offset}`, (times.get(`${r.partition}@${r.offset}`) ?? 0) + 1);
  const assignments = collector.assignedEvents.length - assignedBefore + 1;
  assert.ok([...times.values()].every((n) => n <= assignments), `${who} receives each record once per assignment (${assignments}): ${deliveries(collector)}`);
}

