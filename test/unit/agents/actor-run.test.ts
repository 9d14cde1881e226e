// ActorRun: the StreamEnvironment of one run of an actor — sends through the outbox, finds the
// channels declared at boot, runs pumps, and tracks the event in hand.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Agent } from '../../../src/agents/index.js';
import { ActorRun } from '../../../src/agents/actor-run.js';
import { Channel, type Event } from '../../../src/streams/index.js';
import { waitFor } from '../../helpers/wait-for.js';
import { Delivery, FakeOutbox, WAIT, deferred, harness, isSettled, untilAborted } from './fixtures.js';

function actorRun(parent = new AbortController().signal): { run: ActorRun; outbox: FakeOutbox; events: number[] } {
  const outbox = new FakeOutbox();
  const events: number[] = [];
  const run = new ActorRun(
    parent,
    {
      agent: 'a',
      outbox,
      repartitions: new Map([['by-user', { topic: 'app-a-by-user-repartition', channel: new Channel('r') }]]),
      subscriptions: new Map([['orders-wide', new Channel('w')]]),
    },
    () => events.push(events.length + 1),
  );
  return { run, outbox, events };
}

describe('ActorRun', () => {
  it('tracks the event in hand, counts each one, and has progressed once it moved past one', async () => {
    const { run, events } = actorRun();
    const [first, second] = new Delivery().push(new Channel('c'), 1, 2);
    assert.equal(run.hasProgressed, false);
    run.current(first);
    assert.equal(run.currentEvent, first);
    assert.equal(run.hasProgressed, false, 'the first event is still in hand');
    run.current(second);
    assert.equal(run.hasProgressed, true);
    run.current(undefined);
    assert.equal(run.currentEvent, undefined);
    assert.equal(events.length, 2, 'undefined is not an event');
    await run.end();
  });

  it('sends with an explicit key, or with the raw key bytes of the event, naming the event it sends for', async () => {
    const { run, outbox } = actorRun();
    const [event] = new Delivery().push(new Channel('c'), 1);
    await run.send('t', 'v1', { key: 'user-1' });
    await run.send('t', 'v2', { event: event! });
    await run.send('t', 'v3', {});
    assert.deepEqual(
      outbox.sent.map((s) => s.message),
      [
        { value: 'v1', key: 'user-1' },
        { value: 'v2', rawKey: event!.message.key, event },
        { value: 'v3', rawKey: null },
      ],
    );
    await run.end();
  });

  it('finds the channels declared at boot, and names the agent when a name was not declared', async () => {
    const { run } = actorRun();
    assert.equal(run.repartition('by-user').topic, 'app-a-by-user-repartition');
    assert.equal(run.subscription('orders-wide').name, 'w');
    assert.throws(() => run.repartition('by-country'), (err: Error & { code?: string }) => err.code === 'STREAMD_CONFIG' && /agent a: groupBy name "by-country"/.test(err.message));
    assert.throws(() => run.subscription('payments'), (err: Error & { code?: string }) => err.code === 'STREAMD_CONFIG' && /through\("payments"\)/.test(err.message));
    await run.end();
  });

  it('a failing pump aborts the run and becomes its failure', async () => {
    const { run } = actorRun();
    const failure = new Error('pump broke');
    run.pump('groupBy by-user', () => Promise.reject(failure));
    await waitFor(() => run.signal.aborted, { ...WAIT, message: 'the run aborted' });
    assert.equal(run.failure, failure);
    await run.end();
  });

  it('end() aborts the pumps and waits for them, without counting that as a failure', async () => {
    const { run } = actorRun();
    let isPumpDone = false;
    run.pump('through x', async () => {
      await untilAborted(run.signal);
      isPumpDone = true;
    });
    await run.end();
    assert.equal(isPumpDone, true);
    assert.equal(run.failure, undefined);
  });

  it('aborts with its parent signal', async () => {
    const parent = new AbortController();
    const { run } = actorRun(parent.signal);
    assert.equal(run.signal.aborted, false);
    parent.abort();
    assert.equal(run.signal.aborted, true);
    await run.end();
  });

  it('interrupt() aborts the run and marks it interrupted', async () => {
    const { run } = actorRun();
    run.interrupt();
    assert.equal(run.signal.aborted, true);
    assert.equal(run.isInterrupted, true);
    assert.equal(run.failure, undefined);
    await run.end();
  });

  // Failed at commit 0a8e9e3 (the pump reported its upstream events through run.current and so
  // replaced the handler's event in hand); passes with the pump's "quiet" environment in stream.ts.
  it('while a groupBy pump reads upstream, the event in hand stays the one the handler is processing', async () => {
    const repartition = new Channel('by-user');
    const repartitionTopic = 'app-a-by-user-repartition';
    const seen: (Event | undefined)[] = [];
    const source = new Delivery();
    const channel = new Channel('agent a');
    const agent: Agent<{ user: string }> = async function* (stream, context) {
      for await (const order of stream.groupBy((o) => o.user, { name: 'by-user' })) {
        // Meanwhile a new record arrives upstream and the pump forwards it.
        source.push(channel, { user: 'bob' });
        await waitFor(() => h.outbox.to(repartitionTopic).length === 1, { ...WAIT, message: 'the pump forwarded bob' });
        seen.push(context.currentEvent());
        yield order;
      }
    };
    const h = harness({
      handle: agent as Agent,
      channel,
      repartitions: new Map([['by-user', { topic: repartitionTopic, channel: repartition }]]),
      sinks: [{ kind: 'topic', name: 'out', topic: 'out' }],
    });
    await h.runner.start();
    try {
      const grouped = new Delivery(repartitionTopic).event({ user: 'ann' }, 'ann');
      repartition.push(grouped);
      await waitFor(() => h.outbox.to('out').length === 1, { ...WAIT, message: 'the yielded value sent to the sink' });
      assert.equal(seen[0], grouped, 'context.currentEvent() must be the repartitioned event in hand');
      assert.equal(h.outbox.to('out')[0]!.rawKey?.toString(), 'ann', 'the sink record must keep the grouped key');
      assert.equal(h.replies[0]?.[0], grouped, 'the reply must go to the event in hand');
    } finally {
      await h.runner.stop();
    }
  });

  it('a gated pump keeps the run alive until end() releases it', async () => {
    const { run } = actorRun();
    const gate = deferred();
    run.pump('slow', () => gate.promise);
    const ended = run.end();
    assert.equal(await isSettled(ended), false, 'end() waits for the pump');
    gate.resolve();
    await ended;
  });
});
