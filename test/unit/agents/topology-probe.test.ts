// probeAgent: runs a handler once over a closed, empty stream and records the groupBy names and
// through topics it declares, so the worker can create and subscribe to them at boot.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { probeAgent, type Agent } from '../../../src/agents/index.js';

interface Order {
  readonly id: number;
  readonly user: string;
  readonly country: string;
}

describe('probeAgent', () => {
  it('records each groupBy name with its partitions, in call order', async () => {
    const agent: Agent<Order> = async function* (stream) {
      for await (const order of stream.groupBy((o) => o.user, { name: 'by-user', partitions: 6 }).groupBy((o) => o.country, { name: 'by-country' })) {
        yield order;
      }
    };
    const probed = await probeAgent(agent as Agent);
    assert.deepEqual(probed.groupBys, [
      { name: 'by-user', partitions: 6 },
      { name: 'by-country', partitions: undefined },
    ]);
    assert.deepEqual(probed.throughTopics, []);
  });

  it('records the topics of through calls', async () => {
    const agent: Agent<Order> = async (stream) => {
      for await (const _ of stream.filter((o) => o.id > 0).through('orders-wide').through('orders-audit')) {
        // nothing
      }
    };
    const probed = await probeAgent(agent as Agent);
    assert.deepEqual(probed.throughTopics, ['orders-wide', 'orders-audit']);
    assert.deepEqual(probed.groupBys, []);
  });

  it('finds declarations made after the handler awaited a send or an ask', async () => {
    const agent: Agent<Order> = async (stream, context) => {
      await context.topics['audit']!.send({ started: true });
      await context.agents['scorer']!.ask({ warmup: true });
      for await (const _ of stream.groupBy((o) => o.user, { name: 'by-user' })) {
        // nothing
      }
    };
    assert.deepEqual((await probeAgent(agent as Agent)).groupBys, [{ name: 'by-user', partitions: undefined }]);
  });

  it('records nothing for a handler that only iterates its stream', async () => {
    let iterations = 0;
    const agent: Agent = async function* (stream) {
      for await (const value of stream) {
        iterations += 1;
        yield value;
      }
    };
    assert.deepEqual(await probeAgent(agent), { groupBys: [], throughTopics: [] });
    assert.equal(iterations, 0, 'the probe stream is empty');
  });

  it('keeps what a handler declared before it threw, and does not reject', async () => {
    const agent: Agent<Order> = async (stream) => {
      stream.groupBy((o) => o.user, { name: 'by-user' });
      await Promise.resolve();
      throw new Error('handler bug');
    };
    assert.deepEqual((await probeAgent(agent as Agent)).groupBys, [{ name: 'by-user', partitions: undefined }]);
  });

  it('hands the handler an aborted signal and no current event', async () => {
    let signal: AbortSignal | undefined;
    let current: unknown = 'unset';
    const agent: Agent = async (_stream, context) => {
      signal = context.signal;
      current = context.currentEvent();
      await Promise.resolve();
    };
    await probeAgent(agent);
    assert.equal(signal?.aborted, true);
    assert.equal(current, undefined);
  });

  it('stops a generator handler that yields before reading its stream after its first value', async () => {
    let yielded = 0;
    const agent: Agent<Order> = async function* (stream) {
      for (;;) {
        yielded += 1;
        yield await Promise.resolve('tick');
        stream.through('never-reached');
      }
    };
    const probed = await probeAgent(agent as Agent);
    assert.equal(yielded, 1);
    assert.deepEqual(probed.throughTopics, []);
  });

  it('gives up on a handler that never returns, and keeps what it declared', async () => {
    const agent: Agent<Order> = async (stream) => {
      stream.through('orders-wide');
      await new Promise<never>(() => undefined);
    };
    const started = performance.now();
    const probed = await probeAgent(agent as Agent);
    const elapsedMs = performance.now() - started;
    assert.deepEqual(probed.throughTopics, ['orders-wide']);
    assert.ok(elapsedMs >= 1_900 && elapsedMs < 10_000, `gave up after ${elapsedMs.toFixed(0)} ms (deadline 2 s)`);
  });
});
