// In-memory channels and the map family (agentRef): what a handler sends reaches the channel's
// reader with its valueType applied, ask is answered in memory, and map/join keep input order.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryChannels, agentRef } from '../../../src/agents/index.js';
import { Channel } from '../../../src/streams/index.js';

const withDefault = (value: unknown): unknown => ({ tier: 'free', ...(value as object) });

describe('MemoryChannels', () => {
  it('queues a sent value, with its key and the valueType applied, for the channel reader', async () => {
    const channel = new Channel('agent a');
    const memory = new MemoryChannels(new Map([['signups', { channel, admit: withDefault }]]));
    await memory.senders().signups!.send({ user: 'ada' }, { key: 'k1' });
    const event = await channel.next();
    assert.deepEqual(event?.value, { user: 'ada', tier: 'free' });
    assert.equal(event?.key, 'k1');
    assert.equal(event?.message.topic, 'channel:signups');
    assert.equal(event?.isAcked, true, 'a channel event has no offset to commit');
  });

  it('rejects a send nothing reads, a value the valueType refuses, and a send after close', async () => {
    const channel = new Channel('agent a');
    const refuse = (): never => {
      throw new Error('not a Signup');
    };
    const memory = new MemoryChannels(new Map([['unread', { channel: undefined }], ['strict', { channel, admit: refuse }]]));
    await assert.rejects(memory.send('unread', 1), /no agent reads channel "unread"/);
    await assert.rejects(memory.send('nope', 1), /no channel "nope" in the manifest/);
    await assert.rejects(memory.send('strict', 1), /not a Signup/);
    channel.close();
    await assert.rejects(memory.send('strict', 1), (error: unknown) => (error as { code?: string }).code === 'STREAMD_STOPPING');
  });

  it('answers an ask with the value replied for its event, and only its event', async () => {
    const channel = new Channel('agent a');
    const memory = new MemoryChannels(new Map([['c', { channel }]]));
    const answer = memory.ask('c', 20);
    const event = (await channel.next())!;
    assert.equal(memory.reply(event, 'twenty'), true);
    assert.equal(memory.reply(event, 'again'), false);
    assert.equal(await answer, 'twenty');
  });
});

describe('agentRef map family', () => {
  // Answers arrive in reverse order of asking; results must still come back in input order.
  function reversing(): { ref: ReturnType<typeof agentRef>; keys: unknown[] } {
    const keys: unknown[] = [];
    let pending: { value: number; resolve: (v: unknown) => void }[] = [];
    const ask = (value: unknown, options: { key?: unknown } = {}): Promise<unknown> => {
      keys.push(options.key);
      const answer = new Promise<unknown>((resolve) => pending.push({ value: value as number, resolve }));
      if (pending.length === 4) {
        for (const p of pending.reverse()) p.resolve(p.value * 10);
        pending = [];
      }
      return answer;
    };
    return { ref: agentRef({ send: () => Promise.resolve(), ask }), keys };
  }

  it('join and map return answers in input order', async () => {
    const { ref } = reversing();
    assert.deepEqual(await ref.join([1, 2, 3, 4]), [10, 20, 30, 40]);
    const seen: unknown[] = [];
    for await (const answer of ref.map([5, 6, 7, 8])) seen.push(answer);
    assert.deepEqual(seen, [50, 60, 70, 80]);
  });

  it('kvjoin and kvmap send each value with its key', async () => {
    const { ref, keys } = reversing();
    assert.deepEqual(await ref.kvjoin({ a: 1, b: 2, c: 3, d: 4 }), [10, 20, 30, 40]);
    assert.deepEqual(keys, ['a', 'b', 'c', 'd']);
    const seen: unknown[] = [];
    for await (const answer of ref.kvmap([['w', 1], ['x', 2], ['y', 3], ['z', 4]])) seen.push(answer);
    assert.deepEqual(seen, [10, 20, 30, 40]);
    assert.deepEqual(keys.slice(4), ['w', 'x', 'y', 'z']);
  });

  it('map rejects at the failing value, in order', async () => {
    const ref = agentRef({ send: () => Promise.resolve(), ask: (v) => (v === 2 ? Promise.reject(new Error('two failed')) : Promise.resolve(v)) });
    const seen: unknown[] = [];
    await assert.rejects(async () => {
      for await (const answer of ref.map([1, 2, 3])) seen.push(answer);
    }, /two failed/);
    assert.deepEqual(seen, [1]);
  });
});
