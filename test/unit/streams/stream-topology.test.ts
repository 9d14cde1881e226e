// groupBy and through (faust-features §3.3): a pump forwards every value to another topic through
// the StreamEnvironment, and the returned stream reads that topic's channel.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Channel, Stream } from '../../../src/streams/index.js';
import { waitFor } from '../../helpers/wait-for.js';
import { Delivery, FakeEnvironment, WAIT } from './fixtures.js';

interface Order {
  readonly id: number;
  readonly user: string;
}

function setup(): { source: Channel; delivery: Delivery; env: FakeEnvironment; stream: Stream<Order> } {
  const source = new Channel('orders');
  const env = new FakeEnvironment();
  return { source, delivery: new Delivery(), env, stream: new Stream<Order>(source, env) };
}

describe('Stream.groupBy and Stream.through', () => {
  it('groupBy forwards each value to the repartition topic keyed by key(value), and acks the source event after the send', async () => {
    const { source, delivery, env, stream } = setup();
    try {
      stream.groupBy((o) => o.user, { name: 'by-user' });
      delivery.push(source, { id: 1, user: 'ann' }, { id: 2, user: 'bob' });
      await waitFor(() => delivery.committable === 2n, { ...WAIT, message: 'both source events acked' });
      assert.deepEqual(
        env.sent.map((s) => [s.topic, s.value, s.options.key, s.options.origin?.message.offset]),
        [
          ['app-agent-by-user-repartition', { id: 1, user: 'ann' }, 'ann', 0n],
          ['app-agent-by-user-repartition', { id: 2, user: 'bob' }, 'bob', 1n],
        ],
        'each forwarded value carries its key and its origin event (whose position tables use)',
      );
      assert.deepEqual(env.pumpNames, ['groupBy by-user']);
    } finally {
      await env.stop();
    }
  });

  it('groupBy asks the environment for the repartition topic by name and partitions', async () => {
    const { env, stream } = setup();
    try {
      stream.groupBy((o) => o.user, { name: 'by-user', partitions: 6 });
      stream.groupBy((o) => o.id, { name: 'by-id' });
      assert.deepEqual(env.repartitions, [
        { name: 'by-user', partitions: 6 },
        { name: 'by-id', partitions: undefined },
      ]);
    } finally {
      await env.stop();
    }
  });

  it('groupBy returns a stream of the repartition topic channel', async () => {
    const { env, stream } = setup();
    try {
      const grouped = stream.groupBy((o) => o.user, { name: 'by-user' });
      const repartition = env.channel('app-agent-by-user-repartition');
      const repartitioned = new Delivery('app-agent-by-user-repartition');
      repartitioned.push(repartition, { id: 9, user: 'cy' });
      const iterator = grouped[Symbol.asyncIterator]();
      assert.deepEqual(await iterator.next(), { value: { id: 9, user: 'cy' }, done: false });
      await iterator.return?.();
      assert.equal(repartitioned.committable, 1n, 'the grouped stream acks its own events');
    } finally {
      await env.stop();
    }
  });

  it('groupBy awaits an asynchronous key function', async () => {
    const { source, delivery, env, stream } = setup();
    try {
      stream.groupBy(async (o) => Promise.resolve(`user:${o.user}`), { name: 'by-user' });
      delivery.push(source, { id: 1, user: 'ann' });
      await waitFor(() => env.sent.length === 1, { ...WAIT, message: 'one forwarded value' });
      assert.equal(env.sent[0]!.options.key, 'user:ann');
    } finally {
      await env.stop();
    }
  });

  it('groupBy forwards what the steps before it produce, and acks the events they drop', async () => {
    const { source, delivery, env, stream } = setup();
    try {
      stream
        .filter((o) => o.id !== 2)
        .map((o) => ({ ...o, user: o.user.toUpperCase() }))
        .groupBy((o) => o.user, { name: 'by-user' });
      delivery.push(source, { id: 1, user: 'ann' }, { id: 2, user: 'bob' }, { id: 3, user: 'cy' });
      await waitFor(() => delivery.committable === 3n, { ...WAIT, message: 'all three source events acked' });
      assert.deepEqual(
        env.sent.map((s) => s.value),
        [
          { id: 1, user: 'ANN' },
          { id: 3, user: 'CY' },
        ],
      );
    } finally {
      await env.stop();
    }
  });

  it('groupBy holds the source event unacked until its send resolves', async () => {
    const { source, delivery, env, stream } = setup();
    let release!: () => void;
    env.onSend = () => new Promise<void>((resolve) => (release = resolve));
    try {
      stream.groupBy((o) => o.user, { name: 'by-user' });
      delivery.push(source, { id: 1, user: 'ann' });
      await waitFor(() => env.sent.length === 1, { ...WAIT, message: 'the send started' });
      assert.equal(delivery.committable, 0n);
      release();
      await waitFor(() => delivery.committable === 1n, { ...WAIT, message: 'the source event acked after the send' });
    } finally {
      release();
      await env.stop();
    }
  });

  it('a failed repartition send fails the pump', async () => {
    const { source, delivery, env, stream } = setup();
    env.onSend = () => Promise.reject(new Error('producer is broken'));
    stream.groupBy((o) => o.user, { name: 'by-user' });
    delivery.push(source, { id: 1, user: 'ann' });
    await waitFor(() => env.pumpErrors.length === 1, { ...WAIT, message: 'the pump failed' });
    assert.match(String(env.pumpErrors[0]), /producer is broken/);
    await env.stop();
  });

  it('a groupBy key function that throws fails the pump with an error naming the operator and the event, which is acked', async () => {
    const { source, delivery, env, stream } = setup();
    stream.groupBy(
      () => {
        throw new Error('no user field');
      },
      { name: 'by-user' },
    );
    const events = delivery.push(source, { id: 1, user: 'ann' });
    await waitFor(() => env.pumpErrors.length === 1, { ...WAIT, message: 'the pump failed' });
    const error = env.pumpErrors[0] as Error & { code?: string; event?: unknown };
    assert.equal(error.code, 'STREAMD_STREAM_OPERATOR');
    assert.match(error.message, /groupBy by-user failed: no user field/);
    assert.equal(error.event, events[0]);
    assert.equal(delivery.committable, 1n, 'the event the pump failed on is acked');
    assert.deepEqual(env.sent, []);
    await env.stop();
  });

  it('through forwards every value with its source event (for the key bytes) and returns a stream of that topic', async () => {
    const { source, delivery, env, stream } = setup();
    try {
      const through = stream.map((o) => ({ ...o, seen: true })).through('orders-wide');
      const events = delivery.push(source, { id: 1, user: 'ann' });
      await waitFor(() => delivery.committable === 1n, { ...WAIT, message: 'the source event acked' });
      assert.deepEqual(env.sent.map((s) => [s.topic, s.value]), [['orders-wide', { id: 1, user: 'ann', seen: true }]]);
      assert.equal(env.sent[0]!.options.event, events[0]);
      assert.equal(env.sent[0]!.options.key, undefined);
      assert.deepEqual(env.pumpNames, ['through orders-wide']);

      new Delivery('orders-wide').push(env.channel('orders-wide'), { id: 1, user: 'ann' });
      const iterator = through[Symbol.asyncIterator]();
      assert.deepEqual(await iterator.next(), { value: { id: 1, user: 'ann' }, done: false });
      await iterator.return?.();
    } finally {
      await env.stop();
    }
  });

  it('the stream returned by through keeps noack', async () => {
    const { env, stream } = setup();
    try {
      const through = stream.noack().through('orders-wide');
      const wide = new Delivery('orders-wide');
      const channel = env.channel('orders-wide');
      wide.push(channel, { id: 1, user: 'ann' }, { id: 2, user: 'bob' });
      channel.close();
      for await (const _ of through) {
        // iterate to the end
      }
      assert.equal(wide.committable, 0n, 'manual acks carry over to the derived stream');
    } finally {
      await env.stop();
    }
  });

  it('pumps end when the environment signal aborts, and read nothing after', async () => {
    const { source, delivery, env, stream } = setup();
    stream.groupBy((o) => o.user, { name: 'by-user' });
    stream.through('orders-wide');
    await env.stop();
    assert.deepEqual(env.pumpErrors, []);
    delivery.push(source, { id: 1, user: 'ann' });
    assert.equal(source.size, 1, 'no pump took the event');
    assert.deepEqual(env.sent, []);
  });
});
