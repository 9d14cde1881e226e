// Channel: the FIFO of events the actors of one agent share.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Channel, type Event } from '../../../src/streams/index.js';
import { performance } from 'node:perf_hooks';
import { TURN_MS } from '../../../src/streams/turns.js';
import { Delivery, isSettled } from './fixtures.js';

/** CPU work of `ms` (a handler that computes without waiting on I/O). */
function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

function values(events: readonly (Event | undefined)[]): unknown[] {
  return events.map((event) => event?.value);
}

describe('Channel', () => {
  it('hands buffered events to a reader in the order they were pushed', async () => {
    const channel = new Channel('c');
    new Delivery().push(channel, 1, 2, 3);
    assert.equal(channel.size, 3);
    assert.deepEqual(values([await channel.next(), await channel.next(), await channel.next()]), [1, 2, 3]);
    assert.equal(channel.size, 0);
  });

  it('shares one FIFO among waiting readers: each event goes to exactly one of them, first come first served', async () => {
    const channel = new Channel('c');
    const first = channel.next();
    const second = channel.next();
    new Delivery().push(channel, 'a', 'b', 'c');
    assert.deepEqual(values([await first, await second]), ['a', 'b']);
    assert.equal(channel.size, 1, 'the third event waits for the next reader');
    assert.deepEqual(values([await channel.next()]), ['c']);
  });

  it('tells onTake about every event a reader takes, buffered or handed over directly', async () => {
    const taken: unknown[] = [];
    const channel = new Channel('c', {
      onTake: (event) => {
        taken.push(event.value);
      },
    });
    const waiting = channel.next();
    new Delivery().push(channel, 1, 2);
    await waiting;
    assert.deepEqual(taken, [1], 'the buffered event is not taken yet');
    await channel.next();
    assert.deepEqual(taken, [1, 2]);
  });

  it('hands a reader the next event when onTake refuses one, buffered or handed over directly', async () => {
    const refused = new Set<unknown>([1, 3]);
    const channel = new Channel('c', { onTake: (event) => !refused.has(event.value) });
    const waiting = channel.next();
    new Delivery().push(channel, 1, 2, 3, 4);
    assert.deepEqual(values([await waiting]), [2], 'the waiting reader was not handed the refused 1');
    assert.deepEqual(values([channel.poll()]), [4], 'the buffered 3 was refused and is gone');
    assert.equal(channel.size, 0);
    channel.close();
    assert.equal(await channel.next(), undefined);
  });

  it('lets readers drain what is buffered after close, then ends them', async () => {
    const channel = new Channel('c');
    new Delivery().push(channel, 1, 2);
    channel.close();
    assert.equal(channel.isClosed, true);
    assert.deepEqual(values([await channel.next(), await channel.next(), await channel.next()]), [1, 2, undefined]);
  });

  it('ends readers that wait on an empty channel when it closes', async () => {
    const channel = new Channel('c');
    const first = channel.next();
    const second = channel.next();
    channel.close();
    assert.deepEqual([await first, await second], [undefined, undefined]);
  });

  it('refuses pushes once closed', () => {
    const channel = new Channel('orders-channel');
    channel.close();
    assert.throws(() => new Delivery().push(channel, 1), /orders-channel is closed/);
  });

  it('ends a waiting reader when its signal aborts, and the next event goes to the next reader', async () => {
    const channel = new Channel('c');
    const controller = new AbortController();
    const aborted = channel.next(controller.signal);
    controller.abort();
    assert.equal(await aborted, undefined);
    new Delivery().push(channel, 'kept');
    assert.equal(channel.size, 1, 'the aborted reader did not swallow the event');
    assert.equal((await channel.next())?.value, 'kept');
  });

  it('answers undefined at once for an already aborted signal on an empty channel', async () => {
    const channel = new Channel('c');
    const next = channel.next(AbortSignal.abort());
    assert.equal(await isSettled(next), true);
    assert.equal(await next, undefined);
  });

  it('keeps waiting for an event while the signal is not aborted', async () => {
    const channel = new Channel('c');
    const next = channel.next(new AbortController().signal);
    assert.equal(await isSettled(next), false);
    new Delivery().push(channel, 1);
    assert.equal((await next)?.value, 1);
  });

  it('drop removes the buffered events that match and keeps the others in order', async () => {
    const channel = new Channel('c');
    new Delivery().push(channel, 1, 2, 3, 4);
    await channel.next();
    const dropped = channel.drop((event) => (event.value as number) % 2 === 0);
    assert.deepEqual(values(dropped), [2, 4]);
    assert.equal(channel.size, 1);
    assert.deepEqual(values([await channel.next()]), [3]);
  });

  it('closing twice changes nothing', async () => {
    const channel = new Channel('c');
    channel.close();
    channel.close();
    assert.equal(await channel.next(), undefined);
  });

  it('lets timers run while a reader drains a backlog without waiting on I/O (no heartbeat, commit or HTTP starves)', async () => {
    const channel = new Channel('c');
    new Delivery().push(channel, ...Array.from({ length: 400 }, (_, i) => i));
    channel.close();
    const leftWhenTimerRan: number[] = [];
    const timer = setInterval(() => leftWhenTimerRan.push(channel.size), 1);
    let taken = 0;
    try {
      // Each event costs TURN_MS / 20 of CPU: the drain holds the loop for 20 turns' worth.
      for (let event = await channel.next(); event !== undefined; event = await channel.next()) {
        busyFor(TURN_MS / 20);
        taken++;
      }
    } finally {
      clearInterval(timer);
    }
    assert.equal(taken, 400);
    assert.ok(leftWhenTimerRan.some((left) => left > 0), `a timer ran before the backlog was drained (it ran with ${JSON.stringify(leftWhenTimerRan)} left)`);
  });

  it('answers poll() with nothing once a run of processing is past its turn, and next() after the loop turned', async () => {
    const channel = new Channel('c');
    new Delivery().push(channel, 1, 2, 3);
    assert.equal(channel.poll()?.value, 1, 'the first poll of a run takes at once');
    busyFor(TURN_MS + 5);
    assert.equal(channel.poll(), undefined, 'past the turn, poll leaves the event for next()');
    assert.equal(channel.size, 2);
    let hasLoopTurned = false;
    setImmediate(() => (hasLoopTurned = true));
    const second = await channel.next();
    assert.equal(second?.value, 2);
    assert.equal(hasLoopTurned, true, 'next() waited for the event loop to turn');
    assert.equal(channel.poll()?.value, 3, 'a new turn takes at once again');
  });
});
