// The kafkajs#1361 check: a member left with nothing while another holds several partitions.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStarved } from '../../../src/assignor/index.js';
import type { GroupAssignment, TopicPartition } from '../../../src/kafka/index.js';

const member = (memberId: string, partitions: TopicPartition[]): GroupAssignment['members'][number] => ({
  memberId,
  clientId: 'streamd',
  subscriptionUserData: Buffer.alloc(0),
  partitions,
  assignmentUserData: Buffer.alloc(0),
});
const tps = (topic: string, ...partitions: number[]): TopicPartition[] => partitions.map((partition) => ({ topic, partition }));

describe('isStarved', () => {
  it('is true for an idle member while another holds several partitions of a topic', () => {
    const group = { groupId: 'g', members: [member('a', tps('t', 0, 1, 2, 3)), member('b', [])] };
    assert.equal(isStarved(group, 'b'), true);
    assert.equal(isStarved(group, 'a'), false, 'the busy member is not starved');
  });

  it('is false when nobody holds two partitions of one topic (nothing to share)', () => {
    const group = { groupId: 'g', members: [member('a', [...tps('t', 0), ...tps('u', 0)]), member('b', [])] };
    assert.equal(isStarved(group, 'b'), false);
  });

  it('ignores the leader topic on both sides', () => {
    const group = { groupId: 'g', members: [member('a', tps('t', 0, 1)), member('b', tps('leader', 0))] };
    assert.equal(isStarved(group, 'b', ['leader']), true, 'holding only the leader partition is holding nothing');
    const balanced = { groupId: 'g', members: [member('a', tps('t', 0)), member('b', [...tps('t', 1), ...tps('leader', 0)])] };
    assert.equal(isStarved(balanced, 'a', ['leader']), false);
  });

  it('is false for a member missing from the description', () => {
    assert.equal(isStarved({ groupId: 'g', members: [member('a', tps('t', 0, 1))] }, 'x'), false);
  });
});
