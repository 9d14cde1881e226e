// AgentRunner over a PartitionedChannel (isolatedPartitions): one actor per partition, started when
// the partition is assigned and ended when it is released, with its own handler state.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Agent } from '../../../src/agents/index.js';
import { loadManifest } from '../../../src/manifest/index.js';
import { PartitionedChannel } from '../../../src/streams/index.js';
import { createWorker } from '../../../src/worker/index.js';
import { waitFor } from '../../helpers/wait-for.js';
import { TOPIC } from '../streams/fixtures.js';
import { Delivery, WAIT, deferred, harness, whenDrained } from './fixtures.js';

/** Yields, per event, the partition and how many events this actor (this handler call) has seen. */
const countPerActor: Agent<number> = async function* (stream, context) {
  let seen = 0;
  for await (const value of stream) {
    seen += 1;
    yield { partition: context.currentEvent()?.message.partition, seen, value };
  }
};

type Out = { partition: number; seen: number; value: number };

function isolated(handle: Agent): { h: ReturnType<typeof harness>; channel: PartitionedChannel; out: () => Out[] } {
  const channel = new PartitionedChannel('agent a', (topic) => topic === TOPIC);
  const h = harness({ channel, handle, sinks: [{ kind: 'topic', name: 'out', topic: 'out' }] });
  return { h, channel, out: () => h.outbox.to('out').map((m) => m.value as Out) };
}

describe('AgentRunner with isolated partitions', () => {
  it('runs one actor per partition: each counts only its own partition, in offset order', async () => {
    const { h, channel, out } = isolated(countPerActor as Agent);
    const p1 = new Delivery(TOPIC, 1);
    channel.assigned([{ topic: TOPIC, partition: 0 }, { topic: TOPIC, partition: 1 }, { topic: 'other', partition: 0 }]);
    assert.deepEqual(channel.partitions, [{ topic: TOPIC, partition: 0 }, { topic: TOPIC, partition: 1 }], 'a FIFO per assigned partition of the agent\'s topics');
    await h.runner.start();
    try {
      for (let i = 0; i < 5; i++) {
        h.delivery.push(channel, i);
        p1.push(channel, 100 + i);
      }
      channel.close();
      await whenDrained(h.runner);
      for (const partition of [0, 1]) {
        const mine = out().filter((o) => o.partition === partition);
        assert.deepEqual(mine.map((o) => o.seen), [1, 2, 3, 4, 5], `partition ${partition} counts from 1 without the other's events`);
        assert.deepEqual(mine.map((o) => o.value), [0, 1, 2, 3, 4].map((v) => v + partition * 100));
      }
      assert.equal(h.runs(), 2, 'one handler call per partition');
      assert.equal(h.delivery.committable, 5n);
      assert.equal(p1.committable, 5n);
    } finally {
      await h.runner.stop();
    }
  });

  it('ends a partition\'s actor on release and starts a fresh one, counting from 1 again, on the next assignment', async () => {
    const { h, channel, out } = isolated(countPerActor as Agent);
    await h.runner.start();
    try {
      channel.assigned([{ topic: TOPIC, partition: 0 }]);
      h.delivery.push(channel, 1, 2);
      await waitFor(() => out().length === 2, { ...WAIT, message: 'two events handled' });
      channel.released();
      await waitFor(() => h.lines.some((l) => l.msg === 'partition released: its actor ended'), { ...WAIT, message: 'the actor to end' });
      assert.deepEqual(channel.partitions, []);
      channel.assigned([{ topic: TOPIC, partition: 0 }]);
      h.delivery.push(channel, 3);
      await waitFor(() => out().length === 3, { ...WAIT, message: 'the event after the reassignment' });
      assert.deepEqual(out().map((o) => o.seen), [1, 2, 1]);
      assert.equal(h.runs(), 2);
    } finally {
      await h.runner.stop();
    }
  });

  it('starts a partition\'s new actor only after the previous one has finished the event in hand', async () => {
    const gate = deferred();
    const order: string[] = [];
    let calls = 0;
    const handle: Agent<string> = async (stream) => {
      const call = ++calls;
      for await (const value of stream) {
        order.push(`${call}:${value}`);
        if (value === 'slow') await gate.promise;
        order.push(`${call}:${value} done`);
      }
    };
    const { h, channel } = isolated(handle as Agent);
    await h.runner.start();
    try {
      channel.assigned([{ topic: TOPIC, partition: 0 }]);
      h.delivery.push(channel, 'slow');
      await waitFor(() => order.length === 1, { ...WAIT, message: 'the slow event taken' });
      channel.released();
      channel.assigned([{ topic: TOPIC, partition: 0 }]);
      h.delivery.push(channel, 'next');
      for (let turn = 0; turn < 50; turn++) await nextTurn();
      assert.deepEqual(order, ['1:slow'], 'the second actor has not started while the first holds an event');
      assert.equal(channel.size, 1, 'the next event waits in the new FIFO');
      gate.resolve();
      await waitFor(() => order.length === 4, { ...WAIT, message: 'both events handled' });
      assert.deepEqual(order, ['1:slow', '1:slow done', '2:next', '2:next done']);
    } finally {
      await h.runner.stop();
    }
  });

  it('ends every actor when the channel is closed (the drain), and none is left running', async () => {
    const { h, channel } = isolated(countPerActor as Agent);
    await h.runner.start();
    try {
      channel.assigned([0, 1, 2].map((partition) => ({ topic: TOPIC, partition })));
      await waitFor(() => h.lines.filter((l) => l.msg === 'partition assigned: its actor starts').length === 3, { ...WAIT, message: 'three actors' });
      channel.close();
      await whenDrained(h.runner);
      assert.equal(h.lines.filter((l) => l.msg === 'partition released: its actor ended').length, 3);
    } finally {
      await h.runner.stop();
    }
  });
});

describe('planning an agent with isolated partitions', () => {
  it('refuses a handler that uses groupBy, naming the agent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'isolated-plan-'));
    try {
      const yaml = 'id: isolated-plan\ntopics:\n  events: {}\nagents:\n  count:\n    topic: events\n    handler: ./h.ts#count\n    isolatedPartitions: true\n';
      await writeFile(join(dir, 'app.yaml'), yaml);
      await writeFile(join(dir, 'h.ts'), 'export const count = async () => {};\n');
      const manifest = await loadManifest(join(dir, 'app.yaml'), { env: {} });
      const regroup: Agent<{ id: string }> = async (stream) => {
        for await (const _ of stream.groupBy((v) => v.id, { name: 'by-id' })) continue;
      };
      await assert.rejects(createWorker(manifest, { logger: pino({ level: 'silent' }), handlers: new Map([['count', regroup as Agent]]) }), /agents\.count: isolatedPartitions cannot be combined with groupBy or through/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
