// isolatedPartitions on the real broker, with two `streamd start` workers: the handler keeps an
// in-memory counter per actor (per handler call) and emits (actor, partition, offset, count). Each
// actor sees one partition only, counting from 1 in offset order; when the second worker joins, the
// rebalance ends the first worker's actors and starts new ones on both workers, counting from 1 again.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ProducerRecord } from '../../src/kafka/index.js';
import type { Daemon } from './helpers/daemon.js';
import { ScratchApp } from './helpers/scratch-app.js';

const PARTITIONS = 4;
const PER_PARTITION = 10;

const HANDLER = `
let actors = 0;
export const count = async function* (stream: AsyncIterable<unknown> & { events(): AsyncIterable<{ message: { partition: number; offset: bigint } }> }) {
  const actor = process.pid + '-' + ++actors;
  let seen = 0;
  for await (const event of stream.events()) {
    seen += 1;
    yield { actor, partition: event.message.partition, offset: Number(event.message.offset), seen };
  }
};
`;

type Out = { actor: string; partition: number; offset: number; seen: number };

describe('isolatedPartitions: one actor per assigned partition', { timeout: 150_000 }, () => {
  let app: ScratchApp | undefined;
  after(async () => app?.close());

  it('keeps each actor on one partition, counting from 1, and starts new actors on a rebalance', async () => {
    app = await ScratchApp.empty('e2e-isolated');
    const input = `iso_${app.appId.replace(/-/g, '_')}`;
    const output = `${input}_out`;
    await app.write({
      'handlers.ts': HANDLER,
      'app.yaml': [
        `id: ${app.appId}`,
        'topics:',
        `  ${input}: { valueType: json, partitions: ${PARTITIONS} }`,
        `  ${output}: { valueType: json, partitions: 1 }`,
        'agents:',
        '  count:',
        `    topic: ${input}`,
        '    handler: ./handlers.ts#count',
        '    isolatedPartitions: true',
        `    sinks: [${output}]`,
        '',
      ].join('\n'),
    });
    const env = (datadir: string): Record<string, string> => app!.env({
      STREAMD_COMMIT_INTERVAL_MS: '300',
      STREAMD_BROKER_SESSION_TIMEOUT_MS: '10000',
      STREAMD_BROKER_HEARTBEAT_INTERVAL_MS: '1000',
    }, datadir);
    const produce = async (round: number): Promise<void> => {
      const records: ProducerRecord[] = [];
      for (let i = 0; i < PER_PARTITION; i++) {
        for (let partition = 0; partition < PARTITIONS; partition++) records.push({ topic: input, partition, key: Buffer.from(`k${partition}-${i}`), value: Buffer.from(JSON.stringify({ round, i })) });
      }
      const producer = await app!.driver.producer();
      try {
        await producer.send(records);
      } finally {
        await producer.close();
      }
    };
    const outputs = (): Out[] => collector.records.map((r) => JSON.parse(r.value!.toString('utf8')) as Out);
    const covered = (): number => new Set(outputs().map((o) => `${o.partition}:${o.offset}`)).size;

    const daemons: Daemon[] = [await app.start(env('a'))];
    const collector = await app.collect([output]);
    await produce(1);
    await collector.until(() => covered() >= PARTITIONS * PER_PARTITION, { timeoutMs: 60_000, message: `the first round processed; worker a:\n${daemons[0]!.tail(15)}` });

    daemons.push(await app.start(env('b')));
    await produce(2);
    await collector.until(() => covered() >= 2 * PARTITIONS * PER_PARTITION, { timeoutMs: 60_000, message: `both rounds processed; worker b:\n${daemons[1]!.tail(15)}` });

    const byActor = new Map<string, Out[]>();
    for (const out of outputs()) byActor.set(out.actor, [...(byActor.get(out.actor) ?? []), out]);
    for (const [actor, seen] of byActor) {
      assert.equal(new Set(seen.map((o) => o.partition)).size, 1, `actor ${actor} saw one partition only`);
      assert.deepEqual(seen.map((o) => o.seen), seen.map((_, i) => i + 1), `actor ${actor} counts from 1 without gaps`);
      assert.ok(seen.every((o, i) => i === 0 || o.offset > seen[i - 1]!.offset), `actor ${actor} reads its partition in offset order`);
    }
    const pids = new Set([...byActor.keys()].map((actor) => actor.split('-')[0]));
    assert.equal(pids.size, 2, 'both workers ran actors after the rebalance');
    // Four actors on the first worker, then, after the rebalance, one per partition across both workers.
    assert.ok(byActor.size >= 2 * PARTITIONS, `actors were started again on the rebalance (${byActor.size} actors)`);
    const logs = daemons.flatMap((d) => d.logs());
    assert.ok(logs.some((l) => l['msg'] === 'partition released: its actor ended'), 'the revoke ended actors');
    console.log(`isolated partitions: ${byActor.size} actors over ${PARTITIONS} partitions and 2 workers; ${outputs().length} outputs for ${covered()} input records`);

    const exits = await Promise.all(daemons.map((d) => d.terminate()));
    assert.deepEqual(exits, daemons.map(() => ({ code: 0, signal: null })));
  });
});
