// The userData formats: subscription and cluster assignment round-trip, carry a format version that
// is checked, and reject foreign or corrupt bytes with STREAMD_ASSIGNOR_PROTOCOL.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { hasCode } from '../../../src/errors/index.js';
import {
  decodeClusterAssignment,
  decodeSubscription,
  encodeSubscription,
  StreamdAssignor,
  USER_DATA_VERSION,
  type SubscriptionMetadata,
} from '../../../src/assignor/index.js';
import { assignRound, groupMember, partitionCounts, urlOf } from './assignor-fixture.js';

const METADATA: SubscriptionMetadata = {
  url: 'http://w1:6066',
  copartitionGroups: [
    { topics: ['orders', 'payments'], changelogs: ['app-totals-changelog'], globalChangelogs: [] },
    { topics: ['rates'], changelogs: [], globalChangelogs: ['app-rates-changelog'] },
  ],
  previousActives: [
    { topic: 'orders', partition: 0 },
    { topic: 'orders', partition: 3 },
    { topic: 'payments', partition: 0 },
  ],
  localState: [
    { topic: 'app-totals-changelog', partition: 0, offset: 18_446_744_073_709_551_000n },
    { topic: 'app-totals-changelog', partition: 2 },
  ],
};

/** A hand-built envelope, as the format is documented: "SD", kind, version, raw-deflated JSON. */
function envelope(kind: 'S' | 'A', version: number, payload: unknown): Buffer {
  return Buffer.concat([Buffer.from(`SD${kind}`, 'latin1'), Buffer.from([version]), deflateRawSync(Buffer.from(JSON.stringify(payload)))]);
}

function isProtocolError(pattern: RegExp): (error: unknown) => boolean {
  return (error) => hasCode(error, 'STREAMD_ASSIGNOR_PROTOCOL') && error instanceof Error && pattern.test(error.message);
}

void describe('assignor userData', () => {
  it('round-trips subscription metadata, 64-bit offsets included', () => {
    assert.deepEqual(decodeSubscription(encodeSubscription(METADATA)), METADATA);
  });

  it('writes what the StreamdAssignor was configured with, read at every join', () => {
    let offset = 5n;
    const assignor = new StreamdAssignor({
      url: 'http://w2:6066',
      copartitionGroups: [{ topics: ['orders'] }],
      previousActives: () => [{ topic: 'orders', partition: 1 }],
      localState: () => [{ topic: 'app-t-changelog', partition: 1, offset }],
    });
    assert.equal(assignor.name, 'streamd');
    assert.equal(assignor.version, USER_DATA_VERSION);
    offset = 9n;
    assert.deepEqual(decodeSubscription(assignor.subscriptionUserData()), {
      url: 'http://w2:6066',
      copartitionGroups: [{ topics: ['orders'], changelogs: [], globalChangelogs: [] }],
      previousActives: [{ topic: 'orders', partition: 1 }],
      localState: [{ topic: 'app-t-changelog', partition: 1, offset: 9n }],
    });
  });

  it('rejects userData of another format version, naming both versions', () => {
    const future = encodeSubscription(METADATA);
    future[3] = USER_DATA_VERSION + 1;
    assert.throws(() => decodeSubscription(future), isProtocolError(new RegExp(`version ${USER_DATA_VERSION + 1}.*version ${USER_DATA_VERSION}`)));
    const assignment = assignRound([{ memberId: 'a', topics: ['t'] }], partitionCounts({ t: 1 })).results.get('a')!.userData;
    assignment[3] = 0;
    assert.throws(() => decodeClusterAssignment(assignment), isProtocolError(/format version 0/));
  });

  it('rejects userData that is not streamd\'s, or a kind it does not expect', () => {
    assert.throws(() => decodeSubscription(Buffer.alloc(0)), isProtocolError(/not streamd's/));
    assert.throws(() => decodeSubscription(Buffer.from('{"url":"x"}')), isProtocolError(/not streamd's/));
    assert.throws(() => decodeClusterAssignment(encodeSubscription(METADATA)), isProtocolError(/expected assignment userData, got subscription userData/));
  });

  it('rejects a corrupt payload and a payload of the wrong shape, naming the field', () => {
    const corrupt = encodeSubscription(METADATA);
    corrupt.fill(0xff, 4, 12);
    assert.throws(() => decodeSubscription(corrupt), isProtocolError(/corrupt/));
    assert.throws(() => decodeSubscription(envelope('S', USER_DATA_VERSION, { url: 7 })), isProtocolError(/\$\.url must be a string/));
    const badIndex = { member: 'a', members: [{ id: 'a', url: null }], groups: [{ topics: ['t'], changelogs: [], globalChangelogs: [], partitions: 1, actives: [3], standbys: [[]], globalHolders: [] }] };
    assert.throws(() => decodeClusterAssignment(envelope('A', USER_DATA_VERSION, badIndex)), isProtocolError(/actives\[0\] must be a member index below 1/));
  });

  it('decodes the whole cluster assignment from every member\'s userData', () => {
    const groups = [{ topics: ['orders'], changelogs: ['app-totals-changelog'] }];
    const round = assignRound(['a', 'b', 'c'].map((memberId) => ({ memberId, topics: ['orders'], groups })), partitionCounts({ orders: 6 }));
    for (const [memberId, { partitions, userData }] of round.results) {
      const cluster = decodeClusterAssignment(userData);
      assert.equal(cluster.memberId, memberId);
      assert.deepEqual(cluster.members, round.cluster.members);
      assert.deepEqual(cluster.copartitionGroups, [{ topics: ['orders'], changelogs: ['app-totals-changelog'], globalChangelogs: [] }]);
      assert.deepEqual(cluster.actives.filter((a) => a.topic === 'orders'), partitions);
      assert.deepEqual(cluster.members.find((m) => m.memberId === memberId)!.url, urlOf(memberId));
    }
  });

  it('still assigns a member whose subscription it cannot read, with no URL to route to', () => {
    const groups = [{ topics: ['t'] }];
    const readable = groupMember({ memberId: 'a', topics: ['t'], groups });
    const unreadable = { memberId: 'b', topics: ['t'], userData: Buffer.from('from another assignor') };
    const leader = new StreamdAssignor({ url: 'http://a:6066' });
    const result = leader.assign({ members: [readable, unreadable], partitionsPerTopic: partitionCounts({ t: 4 }) });
    assert.equal(result.get('b')!.partitions.length, 2);
    const cluster = decodeClusterAssignment(result.get('b')!.userData);
    assert.equal(cluster.members.find((m) => m.memberId === 'b')!.url, null);
  });

  it('refuses an empty URL and a standby count that is not a whole number ≥ 0', () => {
    const isConfig = (error: unknown): boolean => hasCode(error, 'STREAMD_CONFIG');
    assert.throws(() => new StreamdAssignor({ url: ' ' }), isConfig);
    assert.throws(() => new StreamdAssignor({ url: 'http://a', standbyReplicas: -1 }), isConfig);
    assert.throws(() => new StreamdAssignor({ url: 'http://a', standbyReplicas: 1.5 }), isConfig);
  });
});
